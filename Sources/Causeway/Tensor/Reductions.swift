/// Float reductions in 8 SIMD lanes. Swift keeps scalar float sums in order (no
/// reassociation), so `for … { s += x[i] }` never vectorizes; these do.

@inline(__always)
func vectorSum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i + 8 <= n {
        acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    var s = acc.sum()
    while i < n { s += x[i]; i += 1 }
    return s
}

@inline(__always)
func vectorDot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
    while i + 8 <= n {
        acc += rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            * ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    var s = acc.sum()
    while i < n { s += x[i] * y[i]; i += 1 }
    return s
}

@inline(__always)
func vectorMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: -.greatestFiniteMagnitude)
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i + 8 <= n {
        acc = pointwiseMax(acc, raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
        i += 8
    }
    var m = acc.max()
    while i < n { m = max(m, x[i]); i += 1 }
    return m
}
