import Foundation

/// Writes NPY v1.0 files that numpy.load reads: C order, little-endian float32 or float64,
/// header dict padded with spaces so the data starts at a multiple of 64 bytes.
public enum NPYWriter {
    /// `values` has shape.product elements in C (row-major) order.
    public static func float32(shape: [Int], values: [Float]) -> Data {
        var data = header(dtype: .float32, shape: shape, count: values.count)
        data.reserveCapacity(data.count + 4 * values.count)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    public static func float64(shape: [Int], values: [Double]) -> Data {
        var data = header(dtype: .float64, shape: shape, count: values.count)
        data.reserveCapacity(data.count + 8 * values.count)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    /// A numpy unicode array (dtype `<U{width}`, UTF-32 little-endian, each element padded
    /// with NULs to `width` characters; width = the longest element, at least 1), as numpy
    /// writes `np.array(["-->", ""])`. `values` has shape.product elements in C order.
    public static func unicode(shape: [Int], values: [String]) -> Data {
        let scalars = values.map { Array($0.unicodeScalars) }
        let width = max(1, scalars.map(\.count).max() ?? 1)
        var data = header(descr: "<U\(width)", shape: shape, count: values.count)
        data.reserveCapacity(data.count + 4 * width * values.count)
        for s in scalars {
            for k in 0..<width {
                let v = k < s.count ? s[k].value : 0
                withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    static func header(dtype: NPYDType, shape: [Int], count: Int) -> Data {
        header(descr: dtype.rawValue, shape: shape, count: count)
    }

    /// Magic, version 1.0, u16 header length, dict text ending in '\n'.
    static func header(descr: String, shape: [Int], count: Int) -> Data {
        precondition(shape.reduce(1, *) == count, "NPYWriter: \(count) values for shape \(shape)")
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        let preamble = NPYFormat.magic.count + 2 + 2
        let total = (preamble + dict.utf8.count + 1 + 63) / 64 * 64
        dict += String(repeating: " ", count: total - preamble - dict.utf8.count - 1) + "\n"
        var data = Data(NPYFormat.magic)
        data.append(contentsOf: [1, 0])
        let n = UInt16(dict.utf8.count)
        data.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        data.append(contentsOf: Array(dict.utf8))
        return data
    }
}
