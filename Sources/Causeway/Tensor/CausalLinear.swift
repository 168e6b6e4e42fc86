import CBLAS

/// A causal linear autoregression over a token sequence, as a flat-buffer function pair:
///
///     out[b, t, :] += Σ_{k = 0 … min(t, K−1)} inp[b, t−k, :] · weight[k]
///
/// inp [B, T, C], out [B, T, OC], weight [K, C, OC] (weight[k] acts on the token k steps back,
/// i.e. lag k + 1 for the forecast of the next step). This is the linear "autoregressive
/// highway" of LSTNet (Lai et al. 2018, "Modeling Long- and Short-Term Temporal Patterns with
/// Deep Neural Networks"), run in parallel to the transformer.
func causalLinearForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                         _ weight: UnsafePointer<Float>, _ B: Int, _ T: Int, _ C: Int, _ OC: Int, _ K: Int) {
    for b in 0..<B {
        for k in 0..<min(K, T) {
            // rows t = k ..< T of out += rows 0 ..< T−k of inp · weight[k]
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T - k), Int32(OC), Int32(C),
                        1, inp + b * T * C, Int32(C), weight + k * C * OC, Int32(OC),
                        1, out + (b * T + k) * OC, Int32(OC))
        }
    }
}

/// Backward of `causalLinearForward`, accumulating: dinp[b, t−k] += dout[b, t] · weight[k]ᵀ and
/// dweight[k] += Σ_b inp[b, 0..<T−k]ᵀ · dout[b, k..<T]. nil skips that gradient.
func causalLinearBackward(_ dinp: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>?,
                          _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                          _ B: Int, _ T: Int, _ C: Int, _ OC: Int, _ K: Int) {
    for b in 0..<B {
        for k in 0..<min(K, T) {
            let d = dout + (b * T + k) * OC
            if let dinp {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T - k), Int32(C), Int32(OC),
                            1, d, Int32(OC), weight + k * C * OC, Int32(OC), 1, dinp + b * T * C, Int32(C))
            }
            if let dweight {
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(C), Int32(OC), Int32(T - k),
                            1, inp + b * T * C, Int32(C), d, Int32(OC), 1, dweight + k * C * OC, Int32(OC))
            }
        }
    }
}
