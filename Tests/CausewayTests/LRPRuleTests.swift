import Testing
@testable import Causeway

/// The LRP rules, written as modified gradients: conservation on the whole model and each
/// rule's closed form on a tiny layer.
@Suite struct LRPRuleTests {
    /// A model whose additive parameters (biases, LayerNorm shifts, position/variable/domain
    /// embeddings) are all zero: it is then homogeneous under the LRP rules, so relevance is conserved.
    func homogeneousModel(_ c: ModelConfig) -> Transformer {
        let m = Transformer(config: c, batchCapacity: 1, seed: 21)
        var rng = RNG(seed: 5)
        for i in 0..<m.parameters.count { m.parameters[i] += Float(rng.gaussian() * 0.3) }
        let l = m.layout
        var additive = [l.inB, l.varEmb, l.posEmb, l.domEmb, l.lnfB, l.headB]
        for b in l.blocks { additive += [b.ln1B, b.qkvB, b.projB, b.ln2B, b.fcB, b.fcProjB] }
        for s in additive { for k in 0..<s.count { m.parameters[s.offset + k] = 0 } }
        for k in 0..<(c.sequenceLength * c.featuresPerToken) { m.input[k] = Float(rng.gaussian()) }
        return m
    }

    static let configs = [
        ModelConfig(tokens: .step, variables: 3, maxLag: 4, dModel: 8, layers: 2, heads: 2),
        ModelConfig(tokens: .variable, variables: 3, maxLag: 3, dModel: 8, layers: 2, heads: 2),
    ]

    /// Σ input ⊙ modified gradient for target i, and the prediction ŷᵢ at the last position.
    func relevance(_ m: Transformer, target i: Int, rule: BackwardRule, absorbed: inout Double) -> (sum: Double, output: Double) {
        let c = m.config, n = c.sequenceLength * c.featuresPerToken
        let index = (c.maxLag - 1) * c.variables + i
        m.forward(batch: 1)
        m.outputGradient.update(repeating: 0, count: n)
        m.outputGradient[index] = 1
        m.backward(batch: 1, parameterGradients: false, inputGradients: true, rule: rule, softmaxAbsorption: &absorbed)
        var s = 0.0
        for k in 0..<n { s += Double(m.input[k]) * Double(m.inputGradient[k]) }
        return (s, Double(m.output[index]))
    }

    @Test(arguments: configs)
    func conservativeLRPConservesTheOutput(config: ModelConfig) {
        let m = homogeneousModel(config)
        for i in 0..<config.variables {
            var absorbed = 0.0
            let r = relevance(m, target: i, rule: .conservativeLRP, absorbed: &absorbed)
            #expect(absorbed == 0)
            #expect(isClose(r.sum, r.output, rel: 1e-4, abs: 1e-5), "target \(i): Σ R = \(r.sum), ŷ = \(r.output)")
        }
    }

    @Test(arguments: configs)
    func attnLRPConservesOnceSoftmaxAbsorptionIsCounted(config: ModelConfig) {
        let m = homogeneousModel(config)
        for i in 0..<config.variables {
            var absorbed = 0.0
            let r = relevance(m, target: i, rule: .attnLRP, absorbed: &absorbed)
            #expect(absorbed != 0)
            #expect(isClose(r.sum + absorbed, r.output, rel: 1e-4, abs: 1e-5),
                    "target \(i): Σ R = \(r.sum), absorbed \(absorbed), ŷ = \(r.output)")
        }
    }

    @Test func gradientRuleIsNotConservative() {
        // sanity: the exact gradient × input does not sum to the output of this nonlinear model
        let m = homogeneousModel(Self.configs[0])
        var absorbed = 0.0
        let r = relevance(m, target: 0, rule: .gradient, absorbed: &absorbed)
        #expect(!isClose(r.sum, r.output, rel: 1e-2, abs: 1e-3))
    }

    @Test func layerNormRuleHoldsTheScaleConstant() {
        var rng = RNG(seed: 3)
        let N = 2, C = 5
        let x = FloatBuffer(N * C), w = FloatBuffer(C), b = FloatBuffer(C), y = FloatBuffer(N * C)
        let mean = FloatBuffer(N), rstd = FloatBuffer(N), dy = FloatBuffer(N * C), dx = FloatBuffer(N * C)
        x.copy(from: randomArray(N * C, &rng)); w.copy(from: randomArray(C, &rng)); dy.copy(from: randomArray(N * C, &rng))
        layerNormForward(y.pointer, mean.pointer, rstd.pointer, x.pointer, w.pointer, b.pointer, N, C)
        layerNormBackward(dx.pointer, nil, nil, dy.pointer, x.pointer, w.pointer, mean.pointer, rstd.pointer, N, C,
                          constantScale: true)
        for n in 0..<N {
            var mg = 0.0
            for c in 0..<C { mg += Double(dy[n * C + c] * w[c]) / Double(C) }
            for c in 0..<C {
                let expected = Double(rstd[n]) * (Double(dy[n * C + c] * w[c]) - mg)
                #expect(isClose(Double(dx[n * C + c]), expected, rel: 1e-5, abs: 1e-6))
            }
        }
    }

    @Test func geluIdentityRulePassesRelevanceUnchanged() {
        var rng = RNG(seed: 4)
        let N = 30
        let x = FloatBuffer(N), y = FloatBuffer(N), t = FloatBuffer(N), dy = FloatBuffer(N), dx = FloatBuffer(N)
        x.copy(from: randomArray(N, &rng, scale: 2)); dy.copy(from: randomArray(N, &rng))
        geluForward(y.pointer, x.pointer, N, tanhOut: t.pointer)
        geluIdentityBackward(dx.pointer, dy.pointer, N, cachedTanh: t.pointer)
        for i in 0..<N {   // x · ∂x = GELU(x) · ∂y
            #expect(isClose(Double(x[i] * dx[i]), Double(y[i] * dy[i]), rel: 1e-5, abs: 1e-7))
        }
    }

    @Test func attentionRulesMatchTheirClosedForms() {
        var rng = RNG(seed: 6)
        let s = AttentionShape(B: 1, T: 6, C: 4, heads: 2, tokensPerStep: 2)
        let qkv = FloatBuffer(s.T * 3 * s.C), out = FloatBuffer(s.T * s.C), att = FloatBuffer(s.heads * s.T * s.T)
        qkv.copy(from: randomArray(qkv.count, &rng))
        attentionForward(out.pointer, att.pointer, qkv.pointer, s)
        let dy = FloatBuffer(out.count)
        dy.copy(from: randomArray(dy.count, &rng))
        func run(_ rule: BackwardRule, _ absorbed: inout Double) -> FloatBuffer {
            let g = FloatBuffer(qkv.count), scratch = FloatBuffer(s.T * s.T)
            attentionBackward(g.pointer, scratch.pointer, dy.pointer, qkv.pointer, att.pointer, s, rule: rule, absorbed: &absorbed)
            return g
        }
        var none = 0.0, absorbed = 0.0
        let exact = run(.gradient, &none), cp = run(.conservativeLRP, &none), attn = run(.attnLRP, &absorbed)
        let C = s.C, hs = s.headSize
        var expectedAbsorbed = 0.0
        for t in 0..<s.T { for c in 0..<C {
            let i = t * 3 * C + c
            // CP-LRP: no relevance to queries and keys; values get Aᵀ·dY
            #expect(cp[i] == 0 && cp[i + C] == 0)
            let h = c / hs
            var dv = 0.0
            for u in 0..<s.T { dv += Double(att[(h * s.T + u) * s.T + t]) * Double(dy[u * C + c]) }
            #expect(isClose(Double(cp[i + 2 * C]), dv, rel: 1e-5, abs: 1e-6))
            // AttnLRP: ¼ of the exact query/key gradient, ½ of the value gradient
            #expect(isClose(Double(attn[i]), 0.25 * Double(exact[i]), rel: 1e-4, abs: 1e-6))
            #expect(isClose(Double(attn[i + C]), 0.25 * Double(exact[i + C]), rel: 1e-4, abs: 1e-6))
            #expect(isClose(Double(attn[i + 2 * C]), 0.5 * Double(exact[i + 2 * C]), rel: 1e-4, abs: 1e-6))
        } }
        // absorption, recomputed from scratch: per row, Σ A⊙∂A − Σ log A ⊙ ∂logits with ∂A = ½ dY Vᵀ
        for h in 0..<s.heads { for t in 0..<s.T {
            let n = s.visibleKeys(t)
            var dA = [Double](repeating: 0, count: n)
            for j in 0..<n { for c in 0..<hs {
                dA[j] += 0.5 * Double(dy[t * C + h * hs + c]) * Double(qkv[j * 3 * C + 2 * C + h * hs + c])
            } }
            let a = (0..<n).map { Double(att[(h * s.T + t) * s.T + $0]) }
            let dot = zip(a, dA).map(*).reduce(0, +)
            for j in 0..<n {
                let dLogit = a[j] * (dA[j] - dot)
                expectedAbsorbed += a[j] * dA[j] - log(a[j]) * dLogit
            }
        } }
        #expect(isClose(absorbed, expectedAbsorbed, rel: 1e-4, abs: 1e-6))
    }
}

#if canImport(Glibc)
import Glibc
#endif
