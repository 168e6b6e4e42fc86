internal import Crypto
import Foundation

/// SHA-256 fingerprints of input files, for provenance (`data_sha256`). The hash is
/// swift-crypto's `SHA256`; this file only reads the files and formats the digests.
public enum FileDigest {
    /// Bytes read per call when hashing a file: a multi-GB file is never in memory at once.
    public static let defaultChunkSize = 1 << 20

    /// Lowercase hex SHA-256 of `bytes`.
    public static func sha256<D: DataProtocol>(_ bytes: D) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Lowercase hex SHA-256 of a file's bytes, read `chunkSize` bytes at a time.
    public static func sha256(file path: String, chunkSize: Int = defaultChunkSize) throws -> String {
        precondition(chunkSize > 0, "chunkSize must be positive")
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CausewayError("cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: chunkSize) } catch {
                throw CausewayError("cannot read \(path): \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            hasher.update(data: chunk)
        }
        return hex(hasher.finalize())
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

extension Dataset {
    /// SHA-256 of the values the model sees: every domain's [rows, p] series after loading and
    /// preprocessing (--columns, --detrend, --difference), as float64 bit patterns in row-major
    /// order, domains in order, each preceded by its row count; a missing cell hashes as NaN.
    /// File names, delimiters and formats do not enter it.
    public func valuesDigest() -> String {
        var hasher = SHA256()
        for d in domains {
            let s = d.series
            withUnsafeBytes(of: UInt64(s.rows)) { hasher.update(bufferPointer: $0) }
            var row = [UInt64](repeating: 0, count: s.columns)   // one row at a time: no copy of the series
            for t in 0..<s.rows {
                for j in 0..<s.columns {
                    let v = s.value(t, j)
                    row[j] = v.isNaN ? Double.nan.bitPattern : (v == 0 ? 0 : v.bitPattern)   // one NaN, one zero
                }
                row.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            }
        }
        return FileDigest.hex(hasher.finalize())
    }

    /// SHA-256 over the input: of the file given to --data when it is the only file; else of
    /// the hex digests of that file and then of each domain file, in order, concatenated.
    public func contentDigest() throws -> String {
        var files = [path]
        for d in domains where d.path != path { files.append(d.path) }
        if files.count == 1 { return try FileDigest.sha256(file: path) }
        let digests = try files.map { try FileDigest.sha256(file: $0) }
        return FileDigest.sha256(Array(digests.joined().utf8))
    }
}
