import CBLAS

/// A causal linear autoregression over a token sequence, as a flat-buffer function pair:
///
///     out[b, t, :] += α · Σ_{k = 0 … min(t, K−1)} inp[b, t−k, :] · weight[k]
///
/// inp [B, T, C], out [B, T, OC], weight [K, C, OC] (weight[k] acts on the token k steps back,
/// i.e. lag k + 1 for the forecast of the next step). This is the linear "autoregressive
/// highway" of LSTNet (Lai et al. 2018, "Modeling Long- and Short-Term Temporal Patterns with
/// Deep Neural Networks"), run in parallel to the transformer. Each k is one sgemm over all
/// B·T rows (the weights are read once per batch, not once per sample), then a shifted add.
func causalLinearForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                         _ weight: UnsafePointer<Float>, _ B: Int, _ T: Int, _ C: Int, _ OC: Int, _ K: Int,
                         alpha: Float = 1) {
    let y = UnsafeMutablePointer<Float>.allocate(capacity: B * T * OC)
    defer { y.deallocate() }
    for k in 0..<min(K, T) {
        // y = inp · weight[k]; out[b, t] += y[b, t − k] for t ≥ k
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(B * T), Int32(OC), Int32(C),
                    alpha, inp, Int32(C), weight + k * C * OC, Int32(OC), 0, y, Int32(OC))
        for b in 0..<B {
            for t in k..<T {
                let dst = out + (b * T + t) * OC, src = y + (b * T + t - k) * OC
                for o in 0..<OC { dst[o] += src[o] }
            }
        }
    }
}

/// Backward of `causalLinearForward`, accumulating: dinp[b, t−k] += α · dout[b, t] · weight[k]ᵀ and
/// dweight[k] += α · Σ_b inp[b, 0..<T−k]ᵀ · dout[b, k..<T]. nil skips that gradient.
func causalLinearBackward(_ dinp: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>?,
                          _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                          _ B: Int, _ T: Int, _ C: Int, _ OC: Int, _ K: Int, alpha: Float = 1) {
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: B * T * max(C, OC) * 2)
    defer { scratch.deallocate() }
    for k in 0..<min(K, T) {
        if let dinp {
            // z = dout · weight[k]ᵀ; dinp[b, t − k] += z[b, t] for t ≥ k
            let z = scratch
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(B * T), Int32(C), Int32(OC),
                        alpha, dout, Int32(OC), weight + k * C * OC, Int32(OC), 0, z, Int32(C))
            for b in 0..<B {
                for t in k..<T {
                    let dst = dinp + (b * T + t - k) * C, src = z + (b * T + t) * C
                    for c in 0..<C { dst[c] += src[c] }
                }
            }
        }
        if let dweight {
            // the pairs (inp[b, t − k], dout[b, t]), t ≥ k, gathered into two matrices
            let rows = B * (T - k)
            let x = scratch, d = scratch + rows * C
            for b in 0..<B {
                for t in k..<T {
                    let r = b * (T - k) + t - k
                    (x + r * C).update(from: inp + (b * T + t - k) * C, count: C)
                    (d + r * OC).update(from: dout + (b * T + t) * OC, count: OC)
                }
            }
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(C), Int32(OC), Int32(rows),
                        alpha, x, Int32(C), d, Int32(OC), 1, dweight + k * C * OC, Int32(OC))
        }
    }
}
