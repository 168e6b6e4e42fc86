import Testing
@testable import Causeway

/// Shared tolerance rule for every numerical test: |a − b| ≤ abs + rel·max(|a|, |b|).
func isClose(_ a: Double, _ b: Double, rel: Double, abs: Double) -> Bool {
    Swift.abs(a - b) <= abs + rel * max(Swift.abs(a), Swift.abs(b))
}

/// Random floats in a FloatBuffer-compatible array.
func randomArray(_ n: Int, _ rng: inout RNG, scale: Double = 1) -> [Float] {
    (0..<n).map { _ in Float(rng.gaussian() * scale) }
}

/// Central finite difference of a scalar function of a mutable buffer at index i.
/// Uses Double accumulation in `f`; `h` is the step.
func centralDifference(_ x: UnsafeMutablePointer<Float>, _ i: Int, h: Float, _ f: () -> Double) -> Double {
    let saved = x[i]
    x[i] = saved + h
    let fp = f()
    x[i] = saved - h
    let fm = f()
    x[i] = saved
    // the step actually taken in float32
    let step = Double(saved + h) - Double(saved - h)
    return (fp - fm) / step
}
