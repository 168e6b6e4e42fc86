#if canImport(Glibc)
import Glibc
#endif

/// GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))). Elementwise over N values.
private let geluScale: Float = 0.7978845608028654  // √(2/π)

/// `tanhOut` (optional) caches tanh(u) for the backward pass, which then needs no exp.
@inline(__always)
func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ N: Int,
                 tanhOut: UnsafeMutablePointer<Float>? = nil) {
    if let tanhOut {
        for i in 0..<N {
            let x = inp[i]
            let t = fastTanh(geluScale * (x + 0.044715 * x * x * x))
            tanhOut[i] = t
            out[i] = 0.5 * x * (1 + t)
        }
    } else {
        for i in 0..<N {
            let x = inp[i]
            out[i] = 0.5 * x * (1 + fastTanh(geluScale * (x + 0.044715 * x * x * x)))
        }
    }
}

/// Identity rule of LRP through GELU: dinp += dout · GELU(x)/x = dout · ½(1 + tanh(u)),
/// so that x · dinp = GELU(x) · dout (relevance passes unchanged).
@inline(__always)
func geluIdentityBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ N: Int,
                          cachedTanh: UnsafePointer<Float>) {
    for i in 0..<N { dinp[i] += dout[i] * 0.5 * (1 + cachedTanh[i]) }
}

/// dinp += dout · GELU'(inp); `cachedTanh` is forward's `tanhOut` (recomputed when nil).
@inline(__always)
func geluBackward(_ dinp: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                  _ dout: UnsafePointer<Float>, _ N: Int, cachedTanh: UnsafePointer<Float>? = nil) {
    // GELU'(x) = ½(1 + t) + ½·x·(1 − t²)·√(2/π)(1 + 3·0.044715·x²), t = tanh(u)
    @inline(__always) func derivative(_ x: Float, _ t: Float) -> Float {
        0.5 * (1 + t) + 0.5 * x * (1 - t * t) * (geluScale * (1 + 3 * 0.044715 * x * x))
    }
    if let cachedTanh {
        for i in 0..<N { dinp[i] += dout[i] * derivative(inp[i], cachedTanh[i]) }
    } else {
        for i in 0..<N {
            let x = inp[i]
            dinp[i] += dout[i] * derivative(x, fastTanh(geluScale * (x + 0.044715 * x * x * x)))
        }
    }
}
