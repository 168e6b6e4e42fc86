#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One domain's series: [rows, columns] row-major float values.
///
/// Storage is either owned (a copy made at load time, e.g. parsed CSV) or a read-only
/// memory map of an NPY file; float64 maps are converted to Float on access.
/// Immutable after construction, so it is safe to share between threads.
public final class Series: @unchecked Sendable {
    public let rows: Int
    public let columns: Int

    /// Exactly one of these is non-nil: element (t, j) is at t * columns + j.
    private let f32: UnsafePointer<Float>?
    private let f64: UnsafePointer<Double>?
    private let ownership: Ownership

    private enum Ownership {
        case owned(UnsafeMutablePointer<Float>)
        case mapped(UnsafeMutableRawPointer, length: Int)
    }

    /// Owned storage: `values` is [rows, columns] row-major.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0 && values.count == rows * columns,
                     "Series: \(values.count) values for shape [\(rows), \(columns)]")
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(values.count, 1))
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { p.initialize(from: base, count: values.count) }
        }
        self.rows = rows
        self.columns = columns
        self.f32 = UnsafePointer(p)
        self.f64 = nil
        self.ownership = .owned(p)
    }

    /// Takes ownership of `values` ([rows, columns], allocated with
    /// UnsafeMutablePointer<Float>.allocate); it is deallocated with the series.
    init(rows: Int, columns: Int, owning values: UnsafeMutablePointer<Float>) {
        self.rows = rows
        self.columns = columns
        self.f32 = UnsafePointer(values)
        self.f64 = nil
        self.ownership = .owned(values)
    }

    /// Mapped storage: `data` points inside the map `[base, base + length)`, which is
    /// unmapped when the series is released. `dtype` says how `data` is laid out.
    init(rows: Int, columns: Int, mapping base: UnsafeMutableRawPointer, length: Int,
         data: UnsafeRawPointer, dtype: NPYDType) {
        self.rows = rows
        self.columns = columns
        switch dtype {
        case .float32:
            f32 = data.assumingMemoryBound(to: Float.self)
            f64 = nil
        case .float64:
            f32 = nil
            f64 = data.assumingMemoryBound(to: Double.self)
        }
        ownership = .mapped(base, length: length)
    }

    deinit {
        switch ownership {
        case .owned(let p): p.deallocate()
        case .mapped(let base, let length): munmap(base, length)
        }
    }

    /// Element (t, j); t in 0..<rows, j in 0..<columns.
    @inline(__always)
    public func value(_ t: Int, _ j: Int) -> Float {
        assert(t >= 0 && t < rows && j >= 0 && j < columns, "Series index (\(t), \(j)) out of range")
        let k = t * columns + j
        if let p = f32 { return p[k] }
        return Float(f64.unsafelyUnwrapped[k])
    }

    /// Writes row t (`columns` floats) to `dst`.
    @inline(__always)
    public func copyRow(_ t: Int, into dst: UnsafeMutablePointer<Float>) {
        assert(t >= 0 && t < rows, "Series row \(t) out of range 0..<\(rows)")
        let k = t * columns
        if let p = f32 {
            dst.update(from: p + k, count: columns)
        } else {
            let p = f64.unsafelyUnwrapped + k
            for j in 0..<columns { dst[j] = Float(p[j]) }
        }
    }

    /// True when the values live in a memory-mapped file.
    public var isMapped: Bool {
        if case .mapped = ownership { return true }
        return false
    }
}
