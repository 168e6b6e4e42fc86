import Foundation
import Testing
@testable import Causeway

/// Our SHA-256 helpers (`FileDigest`, `Dataset.contentDigest`): hex formatting, reading files in
/// chunks, and how several input files combine. The hash itself is swift-crypto's.
@Suite struct SHA256Tests {
    static let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    /// FIPS 180-4 / NIST example vectors, of bytes and of files holding them.
    @Test func knownVectors() throws {
        #expect(FileDigest.sha256(Array("".utf8)) == Self.empty)
        #expect(FileDigest.sha256(Array("abc".utf8)) == Self.abc)
        let f = TempFolder()
        #expect(try FileDigest.sha256(file: f.file("empty", "")) == Self.empty)
        #expect(try FileDigest.sha256(file: f.file("abc", "abc")) == Self.abc)
    }

    /// A file read in chunks of any size (crossing the 64-byte block boundaries anywhere) hashes
    /// like its bytes in one piece.
    @Test func chunkedFileDigestEqualsOneShot() throws {
        let f = TempFolder()
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<(3 * 64 + 17)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let path = f.file("random", data: Data(bytes))
        let oneShot = FileDigest.sha256(bytes)
        for chunk in [1, 7, 63, 64, 65, 128, 208, 209, 210, FileDigest.defaultChunkSize] {
            #expect(try FileDigest.sha256(file: path, chunkSize: chunk) == oneShot, "chunk size \(chunk)")
        }
        // one million 'a' (the NIST long-message vector), 4 KiB at a time
        let million = f.file("a", data: Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
        #expect(try FileDigest.sha256(file: million, chunkSize: 4096)
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func missingFileIsAnError() {
        expectError("cannot read /nonexistent/causeway-sha") { _ = try FileDigest.sha256(file: "/nonexistent/causeway-sha") }
    }

    /// One input file: its digest. A manifest and its domain files: the digest of their hex
    /// digests concatenated in order (manifest first).
    @Test func contentDigestOfOneOrSeveralFiles() throws {
        let f = TempFolder()
        let a = f.file("a.csv", "x\n1\n"), b = f.file("b.csv", "x\n2\n"), m = f.file("m.json", "{}")
        func domain(_ path: String) -> DomainData {
            DomainData(name: path, path: path, series: Series(rows: 1, columns: 1, values: [Float(1)]))
        }
        let single = Dataset(variables: ["x"], domains: [domain(a)], path: a)
        #expect(try single.contentDigest() == FileDigest.sha256(file: a))
        let several = Dataset(variables: ["x"], domains: [domain(a), domain(b)], path: m)
        let hexes = try [m, a, b].map { try FileDigest.sha256(file: $0) }.joined()
        #expect(try several.contentDigest() == FileDigest.sha256(Array(hexes.utf8)))
    }
}
