/// exp and tanh in plain Float arithmetic that the compiler can vectorize (glibc's tanhf was a
/// third of training time). exp: Cody–Waite range reduction x = n·ln2 + r, |r| ≤ ln2/2, then a
/// degree-6 Taylor polynomial for eʳ and 2ⁿ through the exponent bits; relative error < 2e-7
/// on [−87, 88] (checked against Foundation's exp in FastMathTests).

@inline(__always)
func fastExp(_ x: Float) -> Float {
    // clamped to [−87, 88]; a NaN (diverged training) goes to −87, not into Int32(n), which traps:
    // the NaN still reaches the loss through the other terms, and training stops with an error
    let xc: Float = x >= -87 ? min(x, 88) : -87
    let n = (xc * 1.442695041 + 12582912) - 12582912    // round(x / ln2): 1.5·2²³ trick, no floorf call
    let r = (xc - n * 0.693145752) - n * 1.428606765e-6  // ln2 split in two for accuracy
    var p: Float = 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let scale = Float(bitPattern: UInt32(bitPattern: Int32(n) + 127) << 23)
    return p * scale
}

/// tanh(u) = 1 − 2 / (e^{2u} + 1), saturating cleanly for large |u|.
@inline(__always)
func fastTanh(_ u: Float) -> Float {
    let e = fastExp(2 * min(max(u, -15), 15))
    return 1 - 2 / (e + 1)
}
