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

/// Gaussian elimination with partial pivoting: x with a·x = b, a row-major [n, n]. The tests'
/// own reference solver (independent of the BLAS/Cholesky code under test).
func solveLinearSystem(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
    var a = a, b = b
    for c in 0..<n {
        let piv = (c..<n).max { abs(a[$0 * n + c]) < abs(a[$1 * n + c]) }!
        if piv != c { for k in 0..<n { a.swapAt(c * n + k, piv * n + k) }; b.swapAt(c, piv) }
        for r in (c + 1)..<n {
            let f = a[r * n + c] / a[c * n + c]
            for k in c..<n { a[r * n + k] -= f * a[c * n + k] }
            b[r] -= f * b[c]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for r in stride(from: n - 1, through: 0, by: -1) {
        var s = b[r]
        for k in (r + 1)..<n { s -= a[r * n + k] * x[k] }
        x[r] = s / a[r * n + r]
    }
    return x
}
