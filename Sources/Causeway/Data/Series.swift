#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One domain's series: [rows, columns] row-major values; NaN marks a missing cell.
///
/// Storage is owned (float64 values parsed from a CSV, or float32 values built in memory) or
/// a read-only memory map of an NPY file (float32 or float64). `copyStandardizedRow` computes
/// z-scores in float64 and rounds to Float only at the end, so a column of 1e12 plus a small
/// spread keeps its spread. Immutable after construction, so it is safe to share between threads.
public final class Series: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    /// Rows holding at least one missing (NaN) cell, ascending (empty when the series is complete).
    public let missingRows: [Int]
    /// Missing cells per column, [columns].
    public let missingPerColumn: [Int]

    /// Exactly one of these is non-nil: element (t, j) is at t * columns + j.
    private let f32: UnsafePointer<Float>?
    private let f64: UnsafePointer<Double>?
    private let ownership: Ownership

    private enum Ownership {
        case owned(UnsafeMutableRawPointer)
        case mapped(UnsafeMutableRawPointer, length: Int)
    }

    /// Owned float32 storage: `values` is [rows, columns] row-major.
    public convenience init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0 && values.count == rows * columns,
                     "Series: \(values.count) values for shape [\(rows), \(columns)]")
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(values.count, 1))
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { p.initialize(from: base, count: values.count) }
        }
        self.init(rows: rows, columns: columns, storage: .owned(UnsafeMutableRawPointer(p)), f32: UnsafePointer(p), f64: nil)
    }

    /// Owned float64 storage: `values` is [rows, columns] row-major.
    public convenience init(rows: Int, columns: Int, values: [Double]) {
        precondition(rows >= 0 && columns >= 0 && values.count == rows * columns,
                     "Series: \(values.count) values for shape [\(rows), \(columns)]")
        let p = UnsafeMutablePointer<Double>.allocate(capacity: max(values.count, 1))
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { p.initialize(from: base, count: values.count) }
        }
        self.init(rows: rows, columns: columns, owning: p)
    }

    /// Takes ownership of `values` ([rows, columns] float64, allocated with
    /// UnsafeMutablePointer<Double>.allocate); it is deallocated with the series.
    convenience init(rows: Int, columns: Int, owning values: UnsafeMutablePointer<Double>) {
        self.init(rows: rows, columns: columns, storage: .owned(UnsafeMutableRawPointer(values)), f32: nil, f64: UnsafePointer(values))
    }

    /// Mapped storage: `data` points inside the map `[base, base + length)`, which is
    /// unmapped when the series is released. `dtype` says how `data` is laid out.
    convenience init(rows: Int, columns: Int, mapping base: UnsafeMutableRawPointer, length: Int,
                     data: UnsafeRawPointer, dtype: NPYDType) {
        precondition(dtype == .float32 || dtype == .float64, "only float arrays are mapped")
        self.init(rows: rows, columns: columns, storage: .mapped(base, length: length),
                  f32: dtype == .float32 ? data.assumingMemoryBound(to: Float.self) : nil,
                  f64: dtype == .float64 ? data.assumingMemoryBound(to: Double.self) : nil)
    }

    private init(rows: Int, columns: Int, storage: Ownership, f32: UnsafePointer<Float>?, f64: UnsafePointer<Double>?) {
        self.rows = rows
        self.columns = columns
        self.ownership = storage
        self.f32 = f32
        self.f64 = f64
        // one scan for missing cells (NaN)
        var missingRows: [Int] = [], perColumn = [Int](repeating: 0, count: columns)
        for t in 0..<rows {
            var any = false
            for j in 0..<columns where Series.load(f32, f64, t * columns + j).isNaN { perColumn[j] += 1; any = true }
            if any { missingRows.append(t) }
        }
        self.missingRows = missingRows
        self.missingPerColumn = perColumn
    }

    deinit {
        switch ownership {
        case .owned(let p): p.deallocate()
        case .mapped(let base, let length): munmap(base, length)
        }
    }

    @inline(__always)
    private static func load(_ f32: UnsafePointer<Float>?, _ f64: UnsafePointer<Double>?, _ k: Int) -> Double {
        if let p = f32 { return Double(p[k]) }
        return f64.unsafelyUnwrapped[k]
    }

    /// Element (t, j) in float64; t in 0..<rows, j in 0..<columns. NaN = missing.
    @inline(__always)
    public func value(_ t: Int, _ j: Int) -> Double {
        assert(t >= 0 && t < rows && j >= 0 && j < columns, "Series index (\(t), \(j)) out of range")
        return Series.load(f32, f64, t * columns + j)
    }

    /// Writes row t (`columns` floats, rounded from the stored values) to `dst`.
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

    /// Writes row t z-scored, (x − mean[j]) · invStd[j], computed in float64 and rounded once.
    @inline(__always)
    public func copyStandardizedRow(_ t: Int, mean: UnsafePointer<Double>, invStd: UnsafePointer<Double>,
                                    into dst: UnsafeMutablePointer<Float>) {
        assert(t >= 0 && t < rows, "Series row \(t) out of range 0..<\(rows)")
        let k = t * columns
        if let p = f32 {
            for j in 0..<columns { dst[j] = Float((Double(p[k + j]) - mean[j]) * invStd[j]) }
        } else {
            let p = f64.unsafelyUnwrapped + k
            for j in 0..<columns { dst[j] = Float((p[j] - mean[j]) * invStd[j]) }
        }
    }

    /// A new owned float64 series with the given columns, in that order (indices into this one).
    public func selecting(columns picked: [Int]) -> Series {
        var v = [Double](repeating: 0, count: rows * picked.count)
        for t in 0..<rows { for (k, j) in picked.enumerated() { v[t * picked.count + k] = value(t, j) } }
        return Series(rows: rows, columns: picked.count, values: v)
    }

    /// True when the values live in a memory-mapped file.
    public var isMapped: Bool {
        if case .mapped = ownership { return true }
        return false
    }
}
