/// LayerNorm over the last axis. inp, out: [N, C]; mean, rstd: [N] (cached for backward).
@inline(__always)
func layerNormForward(_ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>,
                      _ rstd: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                      _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                      _ N: Int, _ C: Int) {
    let eps: Float = 1e-5
    for n in 0..<N {
        let x = inp + n * C
        let m = vectorSum(x, C) / Float(C)
        // variance as E[(x − m)²] (two passes, no cancellation)
        var v: Float = 0
        withUnsafeTemporaryAllocation(of: Float.self, capacity: C) { tmp in
            let d = tmp.baseAddress!
            for c in 0..<C { d[c] = x[c] - m }
            v = vectorDot(d, d, C) / Float(C)
        }
        let s = 1 / (v + eps).squareRoot()
        let o = out + n * C
        for c in 0..<C { o[c] = (x[c] - m) * s * weight[c] + bias[c] }
        mean[n] = m
        rstd[n] = s
    }
}

/// Backward of LayerNorm, accumulating: dinp += ∂L/∂inp; dweight, dbias += (nil skips them).
/// `constantScale` holds 1/σ fixed (the LRP rule): dinp += s·(g − mean(g)), g = dout·w.
@inline(__always)
func layerNormBackward(_ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>?,
                       _ dbias: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
                       _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                       _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>,
                       _ N: Int, _ C: Int, constantScale: Bool = false) {
    for n in 0..<N {
        let x = inp + n * C, dy = dout + n * C, dx = dinp + n * C
        let m = mean[n], s = rstd[n]
        // x̂ = (x − m)·s;  dx = s·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·w
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * C) { tmp in
            let xh = tmp.baseAddress!, g = xh + C
            for c in 0..<C {
                xh[c] = (x[c] - m) * s
                g[c] = dy[c] * weight[c]
            }
            let meanG = vectorSum(g, C) / Float(C)
            let meanGX = constantScale ? 0 : vectorDot(g, xh, C) / Float(C)
            for c in 0..<C { dx[c] += s * (g[c] - meanG - xh[c] * meanGX) }
        }
        if let dweight, let dbias {
            for c in 0..<C {
                dbias[c] += dy[c]
                dweight[c] += dy[c] * (x[c] - m) * s
            }
        }
    }
}
