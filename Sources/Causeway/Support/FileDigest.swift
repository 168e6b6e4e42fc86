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
