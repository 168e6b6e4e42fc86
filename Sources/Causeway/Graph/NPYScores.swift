import Foundation

/// Writes a score tensor as `scores.npy`: float32, shape [maxLag, p, p], C order, so that
/// `np.load(path)[lag - 1, source, target]` is S[lag, source, target].
public enum NPYScores {
    /// Writes NPY format v1.0 atomically (little-endian `<f4`).
    public static func write(_ s: ScoreTensor, to path: String) throws {
        try AtomicFile.write(NPYWriter.float32(shape: [s.maxLag, s.variables, s.variables], values: s.values), to: path)
    }
}

extension NPYScores {
    /// Reads a score tensor written by `write` (or by numpy: `<f4` or `<f8`, C order, NPY v1–3)
    /// of shape [maxLag, p, p]. When `maxLag` / `variables` are given (e.g. from graph.json) the
    /// shape must match them. NaN and ±∞ are kept (they are legitimate scores).
    /// - Throws: `CausewayError` naming the file: missing, not NPY, unsupported dtype,
    ///   Fortran order, wrong rank or shape, truncated data.
    public static func read(path: String, maxLag: Int? = nil, variables: Int? = nil) throws -> ScoreTensor {
        let data = try readFileContents(path)
        let bytes = [UInt8](data)
        let header = try bytes.withUnsafeBytes { try NPYFormat.parseHeader($0, file: path) }
        guard !header.fortranOrder else { throw CausewayError("\(path): fortran_order is True; expected C order") }
        guard header.shape.count == 3, header.shape[1] == header.shape[2], header.shape[0] >= 1, header.shape[1] >= 1 else {
            throw CausewayError("\(path): expected a score array of shape (max_lag, p, p), found \(header.shape)")
        }
        let (L, p) = (header.shape[0], header.shape[1])
        if let maxLag, maxLag != L {
            throw CausewayError("\(path): shape \(header.shape) has max lag \(L) but graph.json says max_lag \(maxLag)")
        }
        if let variables, variables != p {
            throw CausewayError("\(path): shape \(header.shape) has \(p) variables but graph.json lists \(variables)")
        }
        // a corrupt shape can overflow Int: compare by division, never by the product
        let available = bytes.count - header.dataOffset
        let fits = available >= 0 && p <= available / header.dtype.size / p / L
        let n = fits ? L * p * p : 0
        let needed = n * header.dtype.size
        guard fits, available >= needed else {
            throw CausewayError("\(path): truncated: shape \(header.shape) needs more bytes of data than the file's \(available)")
        }
        var values = [Float](repeating: 0, count: n)
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + header.dataOffset
            for k in 0..<n {
                values[k] = Float(header.dtype.load(base, k))
            }
        }
        return ScoreTensor(maxLag: L, variables: p, values: values)
    }
}
