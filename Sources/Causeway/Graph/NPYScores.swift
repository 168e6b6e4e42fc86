import Foundation

/// Writes a score tensor as `scores.npy`: float32, shape [maxLag, p, p], C order, so that
/// `np.load(path)[lag - 1, source, target]` is S[lag, source, target].
public enum NPYScores {
    /// Writes NPY format v1.0 atomically (little-endian `<f4`).
    public static func write(_ s: ScoreTensor, to path: String) throws {
        var data = scoresNPYHeader(shape: [s.maxLag, s.variables, s.variables])
        data.reserveCapacity(data.count + 4 * s.values.count)
        for v in s.values {
            let bits = v.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { data.append(contentsOf: $0) }
        }
        try AtomicFile.write(data, to: path)
    }
}

/// NPY v1.0 header for a little-endian float32 C-order array: magic `\x93NUMPY`, version 1 0,
/// uint16 LE header length, then the dict padded with spaces and ended by '\n' so that the
/// whole preamble is a multiple of 64 bytes. Private to this file (Data/ has its own NPY code).
fileprivate func scoresNPYHeader(shape: [Int]) -> Data {
    let dims = shape.map(String.init).joined(separator: ", ")
    let tuple = shape.count == 1 ? "(\(dims),)" : "(\(dims))"
    var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': \(tuple), }"
    let preamble = 10  // magic (6) + version (2) + header length (2)
    let unpadded = preamble + dict.utf8.count + 1  // + '\n'
    let padding = (64 - unpadded % 64) % 64
    dict += String(repeating: " ", count: padding) + "\n"
    let headerLength = UInt16(dict.utf8.count)
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    data.append(UInt8(headerLength & 0xFF))
    data.append(UInt8(headerLength >> 8))
    data.append(contentsOf: Array(dict.utf8))
    return data
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
