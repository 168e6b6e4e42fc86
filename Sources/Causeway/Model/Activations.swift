/// Forward activations of one block, cached for the backward pass. Shapes for capacity B.
final class BlockActivations {
    let ln1, ln1Mean, ln1Rstd: FloatBuffer   // [B,T,d], [B,T], [B,T]
    let qkv: FloatBuffer                     // [B,T,3d]
    let attY: FloatBuffer                    // [B,T,d]  attention output before projection
    let att: FloatBuffer                     // [B,H,T,T] softmax probabilities
    let residual2: FloatBuffer               // [B,T,d]  after the attention residual
    let ln2, ln2Mean, ln2Rstd: FloatBuffer
    let fch, fchGelu: FloatBuffer            // [B,T,4d]
    let fchTanh: FloatBuffer                 // [B,T,4d]  tanh inside GELU, cached for backward
    let residual3: FloatBuffer               // [B,T,d]  block output

    init(B: Int, T: Int, d: Int, H: Int) {
        let n = B * T
        ln1 = FloatBuffer(n * d); ln1Mean = FloatBuffer(n); ln1Rstd = FloatBuffer(n)
        qkv = FloatBuffer(n * 3 * d)
        attY = FloatBuffer(n * d)
        att = FloatBuffer(B * H * T * T)
        residual2 = FloatBuffer(n * d)
        ln2 = FloatBuffer(n * d); ln2Mean = FloatBuffer(n); ln2Rstd = FloatBuffer(n)
        fch = FloatBuffer(n * 4 * d); fchGelu = FloatBuffer(n * 4 * d); fchTanh = FloatBuffer(n * 4 * d)
        residual3 = FloatBuffer(n * d)
    }
}

/// Everything the forward pass caches plus the scratch the backward pass needs.
final class Activations {
    let capacity: Int
    let input: FloatBuffer          // [B,T,f] the tokens' values
    var domains: [Int32]            // [B]
    let encoded: FloatBuffer        // [B,T,d]
    let blocks: [BlockActivations]
    let lnf, lnfMean, lnfRstd: FloatBuffer
    let output: FloatBuffer         // [B,T,f] predictions
    // backward scratch
    let dOutput: FloatBuffer        // [B,T,f]
    let dResidual: FloatBuffer      // [B,T,d]
    let dLN: FloatBuffer            // [B,T,d]
    let dAttY: FloatBuffer          // [B,T,d]
    let dQKV: FloatBuffer           // [B,T,3d]
    let dFch, dFchGelu: FloatBuffer // [B,T,4d]
    let dInput: FloatBuffer         // [B,T,f]
    let attScratch: FloatBuffer     // [T,T]

    init(_ c: ModelConfig, batch B: Int) {
        let T = c.sequenceLength, d = c.dModel, f = c.featuresPerToken, n = B * T
        capacity = B
        input = FloatBuffer(n * f)
        domains = [Int32](repeating: 0, count: B)
        encoded = FloatBuffer(n * d)
        blocks = (0..<c.layers).map { _ in BlockActivations(B: B, T: T, d: d, H: c.heads) }
        lnf = FloatBuffer(n * d); lnfMean = FloatBuffer(n); lnfRstd = FloatBuffer(n)
        output = FloatBuffer(n * f)
        dOutput = FloatBuffer(n * f)
        dResidual = FloatBuffer(n * d)
        dLN = FloatBuffer(n * d)
        dAttY = FloatBuffer(n * d)
        dQKV = FloatBuffer(n * 3 * d)
        dFch = FloatBuffer(n * 4 * d); dFchGelu = FloatBuffer(n * 4 * d)
        dInput = FloatBuffer(n * f)
        attScratch = FloatBuffer(T * T)
    }
}
