import Foundation

/// A training checkpoint: a versioned binary file.
///
///     "CAUSEWAY"            8 bytes magic
///     version               UInt32 LE (= 2; 1 stored a shuffle state instead of data shards)
///     header length         UInt32 LE, then the header as JSON:
///                           {model, training, data, state, parameter_count}
///     parameters, adam m, adam v, best parameters   4 × parameter_count Float32 LE
///     checksum              UInt64 LE, FNV-1a over every preceding byte
///
/// Written atomically; a truncated, corrupted or mismatched file is refused with a message.
public struct Checkpoint {
    public static let magic = Array("CAUSEWAY".utf8)
    public static let version: UInt32 = 2

    public struct Header: Codable, Equatable {
        public var model: ModelConfig
        public var training: TrainingConfig
        /// Fingerprint of the data the run trains on (variables, domains, row counts).
        public var data: String
        public var state: TrainingState
        public var parameter_count: Int
    }

    public var header: Header
    public var parameters: [Float]
    public var adamM: [Float]
    public var adamV: [Float]
    public var bestParameters: [Float]

    public init(header: Header, parameters: [Float], adamM: [Float], adamV: [Float], bestParameters: [Float]) {
        self.header = header
        self.parameters = parameters
        self.adamM = adamM
        self.adamV = adamV
        self.bestParameters = bestParameters
    }

    public func encoded() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let json = try enc.encode(header)
        var out = Data()
        out.append(contentsOf: Checkpoint.magic)
        appendLE(&out, Checkpoint.version)
        appendLE(&out, UInt32(json.count))
        out.append(json)
        for a in [parameters, adamM, adamV, bestParameters] {
            precondition(a.count == header.parameter_count)
            a.withUnsafeBytes { out.append(contentsOf: $0) }   // Float32 little-endian on every supported host
        }
        appendLE(&out, fnv1a(out))
        return out
    }

    public func write(to path: String) throws { try AtomicFile.write(try encoded(), to: path) }

    public static func read(path: String) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CausewayError("checkpoint \(path): file not found or unreadable")
        }
        return try decode(data, path: path)
    }

    public static func decode(_ data: Data, path: String) throws -> Checkpoint {
        let bytes = [UInt8](data)
        func fail(_ why: String) -> CausewayError { CausewayError("checkpoint \(path): \(why)") }
        guard bytes.count >= 24, Array(bytes[0..<8]) == magic else { throw fail("not a Causeway checkpoint (bad magic)") }
        let version: UInt32 = readLE(bytes, 8)
        guard version == Checkpoint.version else {
            throw fail("unsupported version \(version) (this build reads version \(Checkpoint.version))")
        }
        let stored: UInt64 = readLE(bytes, bytes.count - 8)
        guard stored == fnv1a(bytes[0..<(bytes.count - 8)]) else { throw fail("corrupt (checksum mismatch)") }
        let jsonLength = Int(readLE(bytes, 12) as UInt32)
        guard 16 + jsonLength <= bytes.count - 8 else { throw fail("corrupt (header length)") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + jsonLength)]))
        } catch {
            throw fail("corrupt header: \(error)")
        }
        let n = header.parameter_count
        var offset = 16 + jsonLength
        // compared by division: a corrupt parameter_count may overflow 16 · n
        guard n >= 0, (bytes.count - 8 - offset) % 16 == 0, (bytes.count - 8 - offset) / 16 == n else {
            throw fail("corrupt (size does not match \(n) parameters)")
        }
        func floats() -> [Float] {
            let a = bytes.withUnsafeBytes { raw in
                (0..<n).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: UInt32.self)) }
            }
            offset += 4 * n
            return a
        }
        let p = floats(), m = floats(), v = floats(), best = floats()
        return Checkpoint(header: header, parameters: p, adamM: m, adamV: v, bestParameters: best)
    }
}

/// FNV-1a, 64-bit.
func fnv1a<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h
}


private func appendLE<T: FixedWidthInteger>(_ d: inout Data, _ v: T) {
    withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) }
}

private func readLE<T: FixedWidthInteger>(_ b: [UInt8], _ at: Int) -> T {
    var v: T = 0
    for k in 0..<MemoryLayout<T>.size { v |= T(b[at + k]) << (8 * k) }
    return v
}
