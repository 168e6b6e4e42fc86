/// LayerNorm over the last axis. inp, out: [N, C]; mean, rstd: [N] (cached for backward).
@inline(__always)
func layerNormForward(_ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>,
                      _ rstd: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                      _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                      _ N: Int, _ C: Int) {
    let eps: Float = 1e-5
    for n in 0..<N {
        let x = inp + n * C
        var m: Float = 0
        for c in 0..<C { m += x[c] }
        m /= Float(C)
        var v: Float = 0
        for c in 0..<C { let d = x[c] - m; v += d * d }
        v /= Float(C)
        let s = 1 / (v + eps).squareRoot()
        let o = out + n * C
        for c in 0..<C { o[c] = (x[c] - m) * s * weight[c] + bias[c] }
        mean[n] = m
        rstd[n] = s
    }
}

/// Backward of LayerNorm, accumulating: dinp += ∂L/∂inp; dweight, dbias += (nil skips them).
@inline(__always)
func layerNormBackward(_ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>?,
                       _ dbias: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
                       _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                       _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>,
                       _ N: Int, _ C: Int) {
    for n in 0..<N {
        let x = inp + n * C, dy = dout + n * C, dx = dinp + n * C
        let m = mean[n], s = rstd[n]
        // x̂ = (x − m)·s;  dx = s·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·w
        var meanG: Float = 0, meanGX: Float = 0
        for c in 0..<C {
            let xh = (x[c] - m) * s
            let g = dy[c] * weight[c]
            meanG += g
            meanGX += g * xh
        }
        meanG /= Float(C)
        meanGX /= Float(C)
        for c in 0..<C {
            let xh = (x[c] - m) * s
            let g = dy[c] * weight[c]
            dx[c] += s * (g - meanG - xh * meanGX)
        }
        if let dweight, let dbias {
            for c in 0..<C {
                dbias[c] += dy[c]
                dweight[c] += dy[c] * (x[c] - m) * s
            }
        }
    }
}
