#if canImport(Glibc)
import Glibc
#endif

/// GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))). Elementwise over N values.
private let geluScale: Float = 0.7978845608028654  // √(2/π)

@inline(__always)
func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ N: Int) {
    for i in 0..<N {
        let x = inp[i]
        let u = geluScale * (x + 0.044715 * x * x * x)
        out[i] = 0.5 * x * (1 + fastTanh(u))
    }
}

/// dinp += dout · GELU'(inp)
@inline(__always)
func geluBackward(_ dinp: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                  _ dout: UnsafePointer<Float>, _ N: Int) {
    for i in 0..<N {
        let x = inp[i]
        let u = geluScale * (x + 0.044715 * x * x * x)
        let t = fastTanh(u)
        let sech2 = 1 - t * t
        let du = geluScale * (1 + 3 * 0.044715 * x * x)
        dinp[i] += dout[i] * (0.5 * (1 + t) + 0.5 * x * sech2 * du)
    }
}
