import CBLAS
import Foundation

/// The decoder-only forecaster. Forward is a straight sequence of layer calls; backward is the
/// same calls in reverse. Parameters and gradients are flat buffers with `layout`'s named views.
///
/// Token a of a sample holds the values `input[a, 0..<f]` (f = p for `step`, 1 for `variable`);
/// its output `output[a, 0..<f]` forecasts the values of the token one time step later.
public final class Transformer {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer
    let acts: Activations

    public var batchCapacity: Int { acts.capacity }
    func attentionShape(_ b: Int) -> AttentionShape {
        AttentionShape(B: b, T: config.sequenceLength, C: config.dModel, heads: config.heads,
                       tokensPerStep: config.tokensPerStep)
    }

    public init(config: ModelConfig, batchCapacity: Int, seed: UInt64) {
        self.config = config
        layout = ParameterLayout(config)
        parameters = FloatBuffer(layout.count)
        gradients = FloatBuffer(layout.count)
        acts = Activations(config, batch: batchCapacity)
        initialize(seed: seed)
    }

    /// A replica for data parallelism inside one process: it reads `primary`'s parameters
    /// (shared storage) and has its own activations and gradient buffer.
    public init(replicaOf primary: Transformer, batchCapacity: Int) {
        config = primary.config
        layout = primary.layout
        parameters = primary.parameters
        gradients = FloatBuffer(layout.count)
        acts = Activations(config, batch: batchCapacity)
    }

    /// GPT-2-style initialisation: N(0, 0.02) matrices and embeddings, residual projections
    /// scaled by 1/√(2·layers), input projection N(0, 1/f), LayerNorm weights 1, biases 0.
    public func initialize(seed: UInt64, embeddingStd: Double = 1) {
        var rng = RNG(seed: seed)
        let p = parameters.pointer
        func normal(_ s: TensorSlice, _ std: Double) {
            for k in 0..<s.count { p[s.offset + k] = Float(rng.gaussian() * std) }
        }
        func fill(_ s: TensorSlice, _ v: Float) {
            for k in 0..<s.count { p[s.offset + k] = v }
        }
        let residualStd = 0.02 / (2.0 * Double(config.layers)).squareRoot()
        normal(layout.inW, 1 / Double(config.featuresPerToken).squareRoot())
        fill(layout.inB, 0)
        normal(layout.varEmb, embeddingStd)
        normal(layout.posEmb, embeddingStd)
        normal(layout.domEmb, 0.02)
        for blk in layout.blocks {
            fill(blk.ln1W, 1); fill(blk.ln1B, 0)
            normal(blk.qkvW, 0.02); fill(blk.qkvB, 0)
            normal(blk.projW, residualStd); fill(blk.projB, 0)
            fill(blk.ln2W, 1); fill(blk.ln2B, 0)
            normal(blk.fcW, 0.02); fill(blk.fcB, 0)
            normal(blk.fcProjW, residualStd); fill(blk.fcProjB, 0)
        }
        fill(layout.lnfW, 1); fill(layout.lnfB, 0)
        normal(layout.headW, 0.02); fill(layout.headB, 0)
        fill(layout.linearW, 0)
    }

    // MARK: - Buffers the caller reads and writes

    /// [B, T, f] token values; fill before `forward`.
    public var input: UnsafeMutablePointer<Float> { acts.input.pointer }
    /// [B] domain index of each sample (used when domain embeddings are on).
    public func setDomain(_ sample: Int, _ domain: Int) { acts.domains[sample] = Int32(domain) }
    /// [B, T, f] predictions after `forward`.
    public var output: UnsafeMutablePointer<Float> { acts.output.pointer }
    /// [B, T, f] ∂loss/∂output; fill before `backward`.
    public var outputGradient: UnsafeMutablePointer<Float> { acts.dOutput.pointer }
    /// [B, T, f] ∂loss/∂input after `backward(inputGradients: true)`.
    public var inputGradient: UnsafeMutablePointer<Float> { acts.dInput.pointer }

    @inline(__always) func param(_ s: TensorSlice) -> UnsafeMutablePointer<Float> { parameters.pointer + s.offset }
    @inline(__always) func grad(_ s: TensorSlice) -> UnsafeMutablePointer<Float> { gradients.pointer + s.offset }

    // MARK: - Forward

    /// Runs the model on the first `b` samples of `input`. `linearPath: false` leaves the linear
    /// path out of `output` (a caller that adds it itself, as the per-edge tests do).
    public func forward(batch b: Int, linearPath: Bool = true) {
        precondition(b >= 1 && b <= acts.capacity)
        let c = config, T = c.sequenceLength, d = c.dModel, f = c.featuresPerToken, n = b * T
        let a = acts

        embed(batch: b)
        var residual = a.encoded.pointer
        for (l, blk) in layout.blocks.enumerated() {
            let ba = a.blocks[l]
            layerNormForward(ba.ln1.pointer, ba.ln1Mean.pointer, ba.ln1Rstd.pointer, residual,
                             param(blk.ln1W), param(blk.ln1B), n, d)
            matmulForward(ba.qkv.pointer, ba.ln1.pointer, param(blk.qkvW), param(blk.qkvB), n, d, 3 * d)
            attentionForward(ba.attY.pointer, ba.att.pointer, ba.qkv.pointer, attentionShape(b))
            blockOutput(ba, blk, attention: ba.attY.pointer, residual: residual, rows: n)
            residual = ba.residual3.pointer
        }
        layerNormForward(a.lnf.pointer, a.lnfMean.pointer, a.lnfRstd.pointer, residual,
                         param(layout.lnfW), param(layout.lnfB), n, d)
        matmulForward(a.output.pointer, a.lnf.pointer, param(layout.headW), param(layout.headB), n, d, f)
        if c.linearPath && linearPath { linearPathForward(batch: b) }
    }

    /// The linear path's samples: all at once through one shared bank, or each sample through
    /// its domain's bank (`linearPathPerDomain`). One sample per call, not runs of one domain:
    /// runs would depend on how a batch is split over threads and ranks, and an sgemm's bits
    /// may depend on its row count. `body(first, count, bank offset)`.
    private func linearPathGroups(_ b: Int, _ body: (Int, Int, Int) -> Void) {
        let c = config, bank = c.maxLag * c.variables * c.variables
        guard c.linearPathPerDomain else { return body(0, b, 0) }
        for s in 0..<b { body(s, 1, Int(acts.domains[s]) * bank) }
    }

    /// output[0..<b] += the linear path of input[0..<b] (`causalLinearForward`).
    private func linearPathForward(batch b: Int) {
        let c = config, T = c.sequenceLength, f = c.featuresPerToken
        linearPathGroups(b) { first, count, bank in
            causalLinearForward(acts.output.pointer + first * T * f, acts.input.pointer + first * T * f,
                                param(layout.linearW) + bank, count, T, f, f, c.maxLag, alpha: c.linearPathScale)
        }
    }

    /// The linear path's backward (`causalLinearBackward`) into the weight gradient and/or the
    /// input gradient of samples 0..<b.
    private func linearPathBackward(batch b: Int, weights: Bool, inputs: Bool) {
        let c = config, T = c.sequenceLength, f = c.featuresPerToken
        linearPathGroups(b) { first, count, bank in
            causalLinearBackward(inputs ? acts.dInput.pointer + first * T * f : nil, weights ? grad(layout.linearW) + bank : nil,
                                 acts.dOutput.pointer + first * T * f, acts.input.pointer + first * T * f,
                                 param(layout.linearW) + bank, count, T, f, f, c.maxLag, alpha: c.linearPathScale)
        }
    }

    /// The rest of a block after its attention, over `rows` token rows:
    /// residual2 = residual + attention · projW + projB, then
    /// residual3 = residual2 + fcProj(gelu(fc(ln2(residual2)))). `attention`, `residual`: [rows, d].
    /// `residual` may be `ba.residual3` (read before it is written).
    private func blockOutput(_ ba: BlockActivations, _ blk: BlockSlices, attention: UnsafePointer<Float>,
                             residual: UnsafePointer<Float>, rows: Int) {
        let d = config.dModel
        matmulForward(ba.residual2.pointer, attention, param(blk.projW), param(blk.projB), rows, d, d)
        addInPlace(ba.residual2.pointer, residual, rows * d)
        layerNormForward(ba.ln2.pointer, ba.ln2Mean.pointer, ba.ln2Rstd.pointer, ba.residual2.pointer,
                         param(blk.ln2W), param(blk.ln2B), rows, d)
        matmulForward(ba.fch.pointer, ba.ln2.pointer, param(blk.fcW), param(blk.fcB), rows, d, 4 * d)
        geluForward(ba.fchGelu.pointer, ba.fch.pointer, rows * 4 * d, tanhOut: ba.fchTanh.pointer)
        matmulForward(ba.residual3.pointer, ba.fchGelu.pointer, param(blk.fcProjW), param(blk.fcProjB), rows, 4 * d, d)
        addInPlace(ba.residual3.pointer, ba.residual2.pointer, rows * d)
    }

    /// The first stage of `forward`: encoded[b, t, :] = input[b, t, :] · inW + inB + pos[step(t)]
    /// (+ var[t mod p]) (+ dom[b]), for the first `b` samples.
    public func embed(batch b: Int) {
        let c = config
        matmulForward(acts.encoded.pointer, acts.input.pointer, param(layout.inW), param(layout.inB),
                      b * c.sequenceLength, c.featuresPerToken, c.dModel)
        addTokenEmbeddings(b)
    }

    /// [B, T, d] token embeddings after `embed`; `forwardLastToken` starts from them.
    public var encoded: UnsafeMutablePointer<Float> { acts.encoded.pointer }
    /// [f, d] input projection: row k is the embedding direction of a token's value k, so
    /// changing value k of token t by δ changes encoded[s, t, :] by δ·inputWeights[k, :].
    public var inputWeights: UnsafePointer<Float> { UnsafePointer(param(layout.inW)) }

    /// The forecast of the last token of each of the first `b` samples, from `encoded` as
    /// `embed` left it or as the caller edited it. Step tokens only (tokensPerStep = 1).
    /// Writes output[s, T−1, :] [f] and leaves the other positions of `output` stale; adds no
    /// linear path. Nothing at the last position depends on the last block's attention
    /// projection and MLP at earlier positions, nor on the head there, so those are skipped.
    /// The activations are not those `backward` needs.
    ///
    /// `from` r with `keysAndValues` (an edit of token r and later only): tokens 0..<r are
    /// the same as in an earlier call that filled the cache (`fillCache`, r = 0), so their
    /// keys and values are read from it and only tokens r..<T are recomputed, causally exact.
    /// `keysAndValues` [b, layers, T, 3d]: per sample and block, the qkv rows of the tokens.
    ///
    /// `head` (from `headColumns`): forecast only those K outputs, written compactly to
    /// output[s, T−1, 0..<K].
    ///
    /// Cost per sample, p = 1,000, d = 64, L = 3, 2 blocks, `embed` done once: about 2.4× fewer
    /// FLOPs than `forward`; a cached edit of the last token about 2.2× fewer again.
    public func forwardLastToken(batch b: Int, from r: Int = 0, keysAndValues cache: UnsafeMutablePointer<Float>? = nil,
                                 fillCache: Bool = false,
                                 head: (weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, outputs: Int)? = nil) {
        let c = config, T = c.sequenceLength, d = c.dModel, f = c.featuresPerToken, layers = layout.blocks.count
        precondition(b >= 1 && b <= acts.capacity && c.tokensPerStep == 1 && r >= 0 && r < T)
        precondition((r == 0 || cache != nil) && (!fillCache || (cache != nil && r == 0)))
        let a = acts, R = T - r   // R recomputed tokens per sample, held compactly [b, R, ·]
        // x [b, R, d]: the recomputed tokens' residual stream (layer 0: the embeddings)
        var x = a.encoded.pointer
        if r > 0 {
            for s in 0..<b { (a.dResidual.pointer + s * R * d).update(from: a.encoded.pointer + (s * T + r) * d, count: R * d) }
            x = a.dResidual.pointer
        }
        for (l, blk) in layout.blocks.enumerated() {
            let ba = a.blocks[l], last = l == layers - 1
            layerNormForward(ba.ln1.pointer, ba.ln1Mean.pointer, ba.ln1Rstd.pointer, x, param(blk.ln1W), param(blk.ln1B), b * R, d)
            if r == 0 {
                matmulForward(ba.qkv.pointer, ba.ln1.pointer, param(blk.qkvW), param(blk.qkvB), b * T, d, 3 * d)
            } else {   // qkv [b, T, 3d]: cached rows for tokens < r, new rows for the rest
                matmulForward(a.dQKV.pointer, ba.ln1.pointer, param(blk.qkvW), param(blk.qkvB), b * R, d, 3 * d)
                for s in 0..<b {
                    let row = ba.qkv.pointer + s * T * 3 * d
                    row.update(from: cache! + (s * layers + l) * T * 3 * d, count: r * 3 * d)
                    (row + r * 3 * d).update(from: a.dQKV.pointer + s * R * 3 * d, count: R * 3 * d)
                }
            }
            if fillCache {
                for s in 0..<b { (cache! + (s * layers + l) * T * 3 * d).update(from: ba.qkv.pointer + s * T * 3 * d, count: T * 3 * d) }
            }
            // the rows that go on: tokens r..<T, or in the last block the last token alone
            let keep = last ? 1 : R, rows = b * keep
            attentionForwardQueries(ba.attY.pointer, ba.qkv.pointer, attentionShape(b), from: T - keep)
            for s in 0..<b {   // attY rows → ln1 (free now); residual rows → residual3 when they are not x's rows as they are
                (ba.ln1.pointer + s * keep * d).update(from: ba.attY.pointer + (s * T + T - keep) * d, count: keep * d)
                if last { (ba.residual3.pointer + s * d).update(from: x + (s * R + R - 1) * d, count: d) }
            }
            blockOutput(ba, blk, attention: ba.ln1.pointer, residual: last ? ba.residual3.pointer : x, rows: rows)
            x = ba.residual3.pointer
        }
        // x: [b, d] last-token rows; output[s, T−1, :] = lnf(x[s]) · headW + headB
        layerNormForward(a.lnf.pointer, a.lnfMean.pointer, a.lnfRstd.pointer, x, param(layout.lnfW), param(layout.lnfB), b, d)
        let (weights, bias, k) = head ?? (UnsafePointer(param(layout.headW)), UnsafePointer(param(layout.headB)), f)
        for s in 0..<b { (a.output.pointer + (s * T + T - 1) * f).update(from: bias, count: k) }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(b), Int32(k), Int32(d),
                    1, a.lnf.pointer, Int32(d), weights, Int32(k), 1, a.output.pointer + (T - 1) * f, Int32(T * f))
    }

    /// The head's weights [d, K] and biases [K] of the outputs `outputs` (in that order), for
    /// `forwardLastToken(head:)`.
    public func headColumns(_ outputs: [Int]) -> (weights: [Float], bias: [Float]) {
        let d = config.dModel, f = config.featuresPerToken, w = param(layout.headW), b = param(layout.headB)
        var weights = [Float](repeating: 0, count: d * outputs.count)
        for r in 0..<d { for (a, o) in outputs.enumerated() { weights[r * outputs.count + a] = w[r * f + o] } }
        return (weights, outputs.map { b[$0] })
    }

    private func addTokenEmbeddings(_ b: Int) {
        let c = config, T = c.sequenceLength, d = c.dModel, tps = c.tokensPerStep
        let pos = param(layout.posEmb), vemb = param(layout.varEmb), demb = param(layout.domEmb)
        for s in 0..<b {
            let dom = c.domainEmbeddings > 0 ? demb + Int(acts.domains[s]) * d : nil
            for t in 0..<T {
                let e = acts.encoded.pointer + (s * T + t) * d
                addInPlace(e, pos + (t / tps) * d, d)
                if c.tokens == .variable { addInPlace(e, vemb + (t % tps) * d, d) }
                if let dom { addInPlace(e, dom, d) }
            }
        }
    }

    // MARK: - Backward

    /// Backpropagates `outputGradient` for the first `b` samples. Parameter gradients are
    /// *accumulated* into `gradients` (call `zeroGradients` first); input gradients overwrite
    /// `inputGradient`. Requires the activations of `forward(batch: b)`. A `rule` other than
    /// `.gradient` propagates an LRP rule as a modified gradient (input gradients only).
    /// `softmaxAbsorption` (AttnLRP) accumulates the relevance the softmaxes absorb.
    /// `gradientsReady(offset, count)` is called as soon as a contiguous range of parameter
    /// gradients is final (head + final LayerNorm, then each block from the last, then the
    /// embeddings), so a caller can start reducing it while the rest is computed.
    public func backward(batch b: Int, parameterGradients: Bool = true, inputGradients: Bool = false,
                         rule: BackwardRule = .gradient, softmaxAbsorption: UnsafeMutablePointer<Double>? = nil,
                         gradientsReady: ((Int, Int) -> Void)? = nil) {
        precondition(rule == .gradient || !parameterGradients, "LRP rules give input relevance, not parameter gradients")
        let lrp = rule != .gradient
        let c = config, T = c.sequenceLength, d = c.dModel, f = c.featuresPerToken, n = b * T
        let a = acts
        func g(_ s: TensorSlice) -> UnsafeMutablePointer<Float>? { parameterGradients ? grad(s) : nil }

        let lastResidual = layout.blocks.isEmpty ? a.encoded.pointer : a.blocks[c.layers - 1].residual3.pointer
        a.dLN.pointer.update(repeating: 0, count: n * d)
        matmulBackward(a.dLN.pointer, g(layout.headW), g(layout.headB), a.dOutput.pointer,
                       a.lnf.pointer, param(layout.headW), n, d, f)
        a.dResidual.pointer.update(repeating: 0, count: n * d)
        layerNormBackward(a.dResidual.pointer, g(layout.lnfW), g(layout.lnfB), a.dLN.pointer, lastResidual,
                          param(layout.lnfW), a.lnfMean.pointer, a.lnfRstd.pointer, n, d, constantScale: lrp)
        if c.linearPath, parameterGradients { linearPathBackward(batch: b, weights: true, inputs: false) }
        gradientsReady?(layout.lnfW.offset, layout.count - layout.lnfW.offset)

        for l in stride(from: c.layers - 1, through: 0, by: -1) {
            let blk = layout.blocks[l], ba = a.blocks[l]
            let residual = l == 0 ? a.encoded.pointer : a.blocks[l - 1].residual3.pointer
            // MLP branch: residual3 = residual2 + fcProj(gelu(fc(ln2(residual2))))
            a.dFchGelu.pointer.update(repeating: 0, count: n * 4 * d)
            matmulBackward(a.dFchGelu.pointer, g(blk.fcProjW), g(blk.fcProjB), a.dResidual.pointer,
                           ba.fchGelu.pointer, param(blk.fcProjW), n, 4 * d, d)
            a.dFch.pointer.update(repeating: 0, count: n * 4 * d)
            if lrp {
                geluIdentityBackward(a.dFch.pointer, a.dFchGelu.pointer, n * 4 * d, cachedTanh: ba.fchTanh.pointer)
            } else {
                geluBackward(a.dFch.pointer, ba.fch.pointer, a.dFchGelu.pointer, n * 4 * d, cachedTanh: ba.fchTanh.pointer)
            }
            a.dLN.pointer.update(repeating: 0, count: n * d)
            matmulBackward(a.dLN.pointer, g(blk.fcW), g(blk.fcB), a.dFch.pointer,
                           ba.ln2.pointer, param(blk.fcW), n, d, 4 * d)
            layerNormBackward(a.dResidual.pointer, g(blk.ln2W), g(blk.ln2B), a.dLN.pointer, ba.residual2.pointer,
                              param(blk.ln2W), ba.ln2Mean.pointer, ba.ln2Rstd.pointer, n, d, constantScale: lrp)
            // attention branch: residual2 = residual + proj(attn(qkv(ln1(residual))))
            a.dAttY.pointer.update(repeating: 0, count: n * d)
            matmulBackward(a.dAttY.pointer, g(blk.projW), g(blk.projB), a.dResidual.pointer,
                           ba.attY.pointer, param(blk.projW), n, d, d)
            a.dQKV.pointer.update(repeating: 0, count: n * 3 * d)
            attentionBackward(a.dQKV.pointer, a.attScratch.pointer, a.dAttY.pointer, ba.qkv.pointer,
                              ba.att.pointer, attentionShape(b), rule: rule, absorbed: softmaxAbsorption)
            a.dLN.pointer.update(repeating: 0, count: n * d)
            matmulBackward(a.dLN.pointer, g(blk.qkvW), g(blk.qkvB), a.dQKV.pointer,
                           ba.ln1.pointer, param(blk.qkvW), n, d, 3 * d)
            layerNormBackward(a.dResidual.pointer, g(blk.ln1W), g(blk.ln1B), a.dLN.pointer, residual,
                              param(blk.ln1W), ba.ln1Mean.pointer, ba.ln1Rstd.pointer, n, d, constantScale: lrp)
            gradientsReady?(blk.ln1W.offset, blk.fcProjB.offset + blk.fcProjB.count - blk.ln1W.offset)
        }

        // embeddings: dResidual is now ∂loss/∂encoded
        if parameterGradients { embeddingBackward(b) }
        gradientsReady?(0, layout.blocks[0].ln1W.offset)
        if inputGradients {
            a.dInput.pointer.update(repeating: 0, count: n * f)
            matmulBackward(a.dInput.pointer, nil, nil, a.dResidual.pointer, a.input.pointer,
                           param(layout.inW), n, f, d)
            // the linear path is linear: its LRP relevance is gradient × input under every rule
            if c.linearPath { linearPathBackward(batch: b, weights: false, inputs: true) }
        }
    }

    private func embeddingBackward(_ b: Int) {
        let c = config, T = c.sequenceLength, d = c.dModel, f = c.featuresPerToken, tps = c.tokensPerStep
        let n = b * T, de = acts.dResidual.pointer
        matmulBackward(nil, grad(layout.inW), grad(layout.inB), de, acts.input.pointer, param(layout.inW), n, f, d)
        let gpos = grad(layout.posEmb), gvar = grad(layout.varEmb), gdom = grad(layout.domEmb)
        for s in 0..<b {
            for t in 0..<T {
                let e = de + (s * T + t) * d
                addInPlace(gpos + (t / tps) * d, e, d)
                if c.tokens == .variable { addInPlace(gvar + (t % tps) * d, e, d) }
                if c.domainEmbeddings > 0 { addInPlace(gdom + Int(acts.domains[s]) * d, e, d) }
            }
        }
    }

    public func zeroGradients() { gradients.zero() }

    /// Attention weights from token `query` of sample `s` to every visible key, averaged over
    /// layers and heads; calls `body(key, weight)`. Requires `forward`.
    public func meanAttention(sample s: Int, query: Int, _ body: (Int, Float) -> Void) {
        let T = config.sequenceLength, H = config.heads
        let visible = attentionShape(1).visibleKeys(query)
        let norm = 1 / Float(H * config.layers)
        for key in 0..<visible {
            var w: Float = 0
            for blk in acts.blocks { for h in 0..<H { w += blk.att.pointer[((s * H + h) * T + query) * T + key] } }
            body(key, w * norm)
        }
    }
}

/// dst[0..<n] += src[0..<n]
@inline(__always)
func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
    for i in 0..<n { dst[i] += src[i] }
}
