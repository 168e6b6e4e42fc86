#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a 2-D NPY file: float32/float64 by memory-mapping it (the values are not copied),
/// integer and bool arrays converted to float64 (with a note).
enum NPYReader {
    /// The series in `path`, shape (T, p), C order. NaN elements are missing cells (the
    /// `--missing` policy decides); ±Inf is an error.
    static func read(path: String) throws -> (series: Series, notes: [Diagnostic]) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CausewayError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CausewayError("cannot stat \(path): \(String(cString: strerror(errno)))") }
        let length = Int(st.st_size)
        guard length > 0 else { throw CausewayError("\(path): file is empty") }
        guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw CausewayError("cannot memory-map \(path): \(String(cString: strerror(errno)))")
        }
        var mapOwnedHere = true  // false once a Series owns (or we released) the map
        do {
            let header = try NPYFormat.parseHeader(UnsafeRawBufferPointer(start: base, count: length), file: path)
            guard !header.fortranOrder else {
                throw CausewayError("\(path): fortran_order is True; save the array in C order (numpy.ascontiguousarray)")
            }
            guard header.shape.count == 2 else {
                throw CausewayError("\(path): expected a 2-D array of shape (rows, columns), found shape \(header.shape)")
            }
            let (rows, columns) = (header.shape[0], header.shape[1])
            guard rows > 0, columns > 0 else { throw CausewayError("\(path): array of shape \(header.shape) has no values") }
            // a corrupt shape can overflow Int: (2^32, 2^32) must not read as 0 bytes
            let (cells, overflow) = rows.multipliedReportingOverflow(by: columns)
            let (needed, overflowBytes) = cells.multipliedReportingOverflow(by: header.dtype.size)
            let available = length - header.dataOffset
            guard !overflow, !overflowBytes, available >= needed else {
                throw CausewayError("\(path): truncated: shape \(header.shape) needs \(overflow || overflowBytes ? "more than \(Int.max)" : String(needed)) bytes of data, file has \(available)")
            }
            let data = UnsafeRawPointer(base) + header.dataOffset
            let series: Series
            var notes: [Diagnostic] = []
            if !header.dtype.isFloat {
                series = copyUnaligned(data, rows: rows, columns: columns, dtype: header.dtype)
                munmap(base, length)
                mapOwnedHere = false
                notes.append(Diagnostic(kind: .note, columns: [],
                                        message: "\(path): integer array (dtype '\(header.dtype.rawValue)') converted to float64"))
            } else if header.dataOffset % header.dtype.size == 0 {
                series = Series(rows: rows, columns: columns, mapping: base, length: length, data: data, dtype: header.dtype)
                mapOwnedHere = false
            } else {
                // Misaligned data (not written by numpy): copy into owned storage instead.
                series = copyUnaligned(data, rows: rows, columns: columns, dtype: header.dtype)
                munmap(base, length)
                mapOwnedHere = false
            }
            try checkFinite(series, file: path)
            return (series, notes)
        } catch {
            if mapOwnedHere { munmap(base, length) }
            throw error
        }
    }

    private static func copyUnaligned(_ data: UnsafeRawPointer, rows: Int, columns: Int, dtype: NPYDType) -> Series {
        let n = rows * columns
        var values = [Double](repeating: 0, count: n)
        for k in 0..<n { values[k] = dtype.load(data, k) }
        return Series(rows: rows, columns: columns, values: values)
    }

    /// Rejects ±Inf, listing how many and the first few (NaN is a missing cell).
    private static func checkFinite(_ s: Series, file: String) throws {
        var count = 0, first: [String] = []
        for t in 0..<s.rows {
            for j in 0..<s.columns where s.value(t, j).isInfinite {
                count += 1
                if first.count < 10 { first.append("[\(t), \(j)] (row \(t), column 'x\(j)') = \(s.value(t, j))") }
            }
        }
        if count > 0 {
            throw CausewayError("\(file): \(count) infinite element\(count == 1 ? "" : "s") (0-based indices), which no --missing mode accepts: "
                + first.joined(separator: "; ") + (count > first.count ? "; …" : ""))
        }
    }
}
