/// The NPY file format (numpy.lib.format): magic "\x93NUMPY", version (major, minor),
/// header length (u16 in v1.0, u32 in v2.0/3.0, little-endian), then an ASCII Python dict
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (T, p), }` padded with spaces to a
/// multiple of 64 bytes and ended by '\n', then the raw little-endian elements.
public enum NPYDType: String, Sendable, CaseIterable {
    case float32 = "<f4"
    case float64 = "<f8"
    case int8 = "|i1", int16 = "<i2", int32 = "<i4", int64 = "<i8"
    case uint8 = "|u1", uint16 = "<u2", uint32 = "<u4", uint64 = "<u8"
    case bool = "|b1"

    /// The dtype of a header's `descr` ('<i1' and '|i1' both mean int8, and so on).
    init?(descr: String) {
        if let t = NPYDType(rawValue: descr) { self = t; return }
        let alias = ["<i1": "|i1", "<u1": "|u1", "<b1": "|b1", "|f4": "<f4", "|f8": "<f8"]
        guard let r = alias[descr], let t = NPYDType(rawValue: r) else { return nil }
        self = t
    }

    public var size: Int {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    public var isFloat: Bool { self == .float32 || self == .float64 }

    /// Element k of little-endian data at `base`, as a Double (exact for every integer up to 2^53).
    @inline(__always)
    func load(_ base: UnsafeRawPointer, _ k: Int) -> Double {
        switch self {
        case .float32: return Double(Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self))))
        case .float64: return Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)))
        case .int8: return Double(base.load(fromByteOffset: k, as: Int8.self))
        case .int16: return Double(Int16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * k, as: Int16.self)))
        case .int32: return Double(Int32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * k, as: Int32.self)))
        case .int64: return Double(Int64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * k, as: Int64.self)))
        case .uint8, .bool: return Double(base.load(fromByteOffset: k, as: UInt8.self))
        case .uint16: return Double(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)))
        case .uint32: return Double(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
        case .uint64: return Double(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)))
        }
    }
}

/// What the header says about the data that follows it.
struct NPYHeader: Equatable {
    var dtype: NPYDType
    var fortranOrder: Bool
    var shape: [Int]
    /// Byte offset of the first element.
    var dataOffset: Int
}

enum NPYFormat {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Parses the preamble and header dict of `bytes` (the file's first `count` bytes).
    static func parseHeader(_ bytes: UnsafeRawBufferPointer, file: String) throws -> NPYHeader {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw CausewayError("\(file): not an NPY file (missing \\x93NUMPY magic)")
        }
        let major = bytes[6], minor = bytes[7]
        let lengthSize: Int
        switch major {
        case 1: lengthSize = 2
        case 2, 3: lengthSize = 4
        default: throw CausewayError("\(file): unsupported NPY version \(major).\(minor)")
        }
        guard bytes.count >= 8 + lengthSize else { throw CausewayError("\(file): truncated NPY header") }
        var headerLength = 0
        for i in 0..<lengthSize { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        let start = 8 + lengthSize
        guard bytes.count >= start + headerLength else {
            throw CausewayError("\(file): truncated NPY header (needs \(start + headerLength) bytes, file has \(bytes.count))")
        }
        let text = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)

        let descr = try stringValue(of: "descr", in: text, file: file)
        guard let dtype = NPYDType(descr: descr) else {
            throw CausewayError("\(file): unsupported NPY dtype '\(descr)'; expected little-endian float ('<f4', '<f8'), integer ('<i4', '<u1', …) or bool")
        }
        let fortran = try literal(of: "fortran_order", in: text, file: file)
        guard fortran == "False" || fortran == "True" else {
            throw CausewayError("\(file): malformed NPY header: fortran_order is '\(fortran)'")
        }
        let shapeText = try tuple(of: "shape", in: text, file: file)
        var shape: [Int] = []
        for part in shapeText.split(separator: ",") {
            let s = part.trimmingSpaces
            if s.isEmpty { continue }
            guard let n = Int(s), n >= 0 else {
                throw CausewayError("\(file): malformed NPY header: shape (\(shapeText))")
            }
            shape.append(n)
        }
        return NPYHeader(dtype: dtype, fortranOrder: fortran == "True", shape: shape,
                         dataOffset: start + headerLength)
    }

    /// The text just after `'key':`, with leading spaces removed.
    private static func after(_ key: String, in text: String, file: String) throws -> Substring {
        for quote in ["'", "\""] {
            if let r = text.range(of: quote + key + quote) {
                var rest = text[r.upperBound...].drop(while: { $0 == " " })
                guard rest.first == ":" else { break }
                rest = rest.dropFirst().drop(while: { $0 == " " })
                return rest
            }
        }
        throw CausewayError("\(file): malformed NPY header: no '\(key)' in \(text.trimmingSpaces)")
    }

    private static func stringValue(of key: String, in text: String, file: String) throws -> String {
        let rest = try after(key, in: text, file: file)
        guard let q = rest.first, q == "'" || q == "\"",
              let end = rest.dropFirst().firstIndex(of: q) else {
            throw CausewayError("\(file): malformed NPY header: '\(key)' is not a string")
        }
        return String(rest[rest.index(after: rest.startIndex)..<end])
    }

    private static func literal(of key: String, in text: String, file: String) throws -> String {
        let rest = try after(key, in: text, file: file)
        return String(rest.prefix(while: { $0.isLetter || $0.isNumber }))
    }

    private static func tuple(of key: String, in text: String, file: String) throws -> String {
        let rest = try after(key, in: text, file: file)
        guard rest.first == "(", let end = rest.firstIndex(of: ")") else {
            throw CausewayError("\(file): malformed NPY header: '\(key)' is not a tuple")
        }
        return String(rest[rest.index(after: rest.startIndex)..<end])
    }
}

extension StringProtocol {
    /// Drops leading and trailing spaces, tabs and line ends.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let a = firstIndex(where: { !isSpace($0) }),
              let b = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[a...b])
    }
}
