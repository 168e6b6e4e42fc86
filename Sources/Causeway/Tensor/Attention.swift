import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Multi-head softmax attention with a block-causal mask.
///
/// Token a belongs to time step ⌊a / tokensPerStep⌋ and may attend to every token of its own
/// and earlier steps: keys 0 ..< (⌊a / tps⌋ + 1)·tps. tokensPerStep = 1 is the ordinary
/// causal mask (`--tokens step`); tokensPerStep = p is the per-variable block mask.
struct AttentionShape {
    let B: Int, T: Int, C: Int, heads: Int, tokensPerStep: Int
    var headSize: Int { C / heads }
    @inline(__always) func visibleKeys(_ query: Int) -> Int { (query / tokensPerStep + 1) * tokensPerStep }
}

/// out: [B, T, C]; att: [B, H, T, T] softmax probabilities (masked entries 0), cached for backward;
/// qkv: [B, T, 3C] (queries, keys, values side by side).
func attentionForward(_ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
                      _ qkv: UnsafePointer<Float>, _ s: AttentionShape) {
    let T = s.T, C = s.C, hs = s.headSize, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    for b in 0..<s.B {
        for h in 0..<s.heads {
            let q = qkv + b * T * C3 + h * hs
            let k = q + C
            let v = q + 2 * C
            let a = att + (b * s.heads + h) * T * T
            // a[T, T] = scale · Q Kᵀ
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hs),
                        scale, q, Int32(C3), k, Int32(C3), 0, a, Int32(T))
            for t in 0..<T {
                let row = a + t * T
                let n = s.visibleKeys(t)
                var mx = -Float.greatestFiniteMagnitude
                for j in 0..<n where row[j] > mx { mx = row[j] }
                var sum: Float = 0
                for j in 0..<n { let e = fastExp(row[j] - mx); row[j] = e; sum += e }
                let inv = 1 / sum
                for j in 0..<n { row[j] *= inv }
                for j in n..<T { row[j] = 0 }
            }
            // out_h[T, hs] = a · V
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                        1, a, Int32(T), v, Int32(C3), 0, out + b * T * C + h * hs, Int32(C))
        }
    }
}

/// Backward of `attentionForward`, accumulating into dqkv: [B, T, 3C].
/// scratch: [T, T] floats.
func attentionBackward(_ dqkv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
                       _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>,
                       _ att: UnsafePointer<Float>, _ s: AttentionShape) {
    let T = s.T, C = s.C, hs = s.headSize, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    for b in 0..<s.B {
        for h in 0..<s.heads {
            let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
            let dq = dqkv + b * T * C3 + h * hs, dk = dq + C, dv = dq + 2 * C
            let a = att + (b * s.heads + h) * T * T
            let dy = dout + b * T * C + h * hs
            let dp = scratch
            // dP[T, T] = dY · Vᵀ ;  dV += Pᵀ · dY
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hs),
                        1, dy, Int32(C), v, Int32(C3), 0, dp, Int32(T))
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                        1, a, Int32(T), dy, Int32(C), 1, dv, Int32(C3))
            // softmax backward: dS = P ⊙ (dP − Σⱼ Pⱼ dPⱼ); masked entries have P = 0
            for t in 0..<T {
                let p = a + t * T, g = dp + t * T
                let n = s.visibleKeys(t)
                var dot: Float = 0
                for j in 0..<n { dot += p[j] * g[j] }
                for j in 0..<n { g[j] = p[j] * (g[j] - dot) }
                for j in n..<T { g[j] = 0 }
            }
            // dQ += scale · dS · K ;  dK += scale · dSᵀ · Q
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                        scale, dp, Int32(T), k, Int32(C3), 1, dq, Int32(C3))
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                        scale, dp, Int32(T), q, Int32(C3), 1, dk, Int32(C3))
        }
    }
}
