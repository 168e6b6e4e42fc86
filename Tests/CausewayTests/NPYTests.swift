import Foundation
import Testing
@testable import Causeway

@Suite struct NPYTests {
    @Test func float32RoundTripIsMapped() throws {
        let dir = TempFolder()
        let values: [Float] = (0..<12).map { Float($0) * 0.25 - 1 }
        let p = dir.file("a.npy", data: NPYWriter.float32(shape: [4, 3], values: values))
        let d = try DatasetLoader.load(path: p)
        let s = d.domains[0].series
        #expect(d.variables == ["x0", "x1", "x2"])
        #expect(s.rows == 4 && s.columns == 3 && s.isMapped)
        for t in 0..<4 { for j in 0..<3 { #expect(s.value(t, j) == values[t * 3 + j]) } }
        var row = [Float](repeating: 0, count: 3)
        row.withUnsafeMutableBufferPointer { s.copyRow(2, into: $0.baseAddress!) }
        #expect(row == Array(values[6..<9]))
    }

    @Test func float64RoundTripConvertsOnAccess() throws {
        let dir = TempFolder()
        let values: [Double] = (0..<10).map { Double($0) / 3 }
        let s = try DatasetLoader.load(path: dir.file("b.npy", data: NPYWriter.float64(shape: [5, 2], values: values))).domains[0].series
        #expect(s.isMapped)
        for k in 0..<10 { #expect(s.value(k / 2, k % 2) == Float(values[k])) }
        var row = [Float](repeating: 0, count: 2)
        row.withUnsafeMutableBufferPointer { s.copyRow(4, into: $0.baseAddress!) }
        #expect(row == [Float(values[8]), Float(values[9])])
    }

    @Test func headerMatchesNumpyLayout() {
        let data = NPYWriter.float32(shape: [2, 3], values: [Float](repeating: 0, count: 6))
        let bytes = [UInt8](data)
        #expect(bytes[0..<8] == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        #expect(bytes[10 + headerLength - 1] == 0x0A)
        let text = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(text.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(data.count == 10 + headerLength + 24)
        let oneD = [UInt8](NPYWriter.float64(shape: [3], values: [1, 2, 3]))
        #expect(String(decoding: oneD[10..<80], as: UTF8.self).contains("'shape': (3,), }"))
    }

    /// Builds an NPY file with an arbitrary header dict (for the rejection cases).
    private func npy(_ dict: String, payload: Int) -> Data {
        var h = dict
        while (10 + h.utf8.count + 1) % 64 != 0 { h += " " }
        h += "\n"
        var d = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(h.utf8.count & 0xFF), UInt8(h.utf8.count >> 8)])
        d.append(contentsOf: Array(h.utf8))
        d.append(Data(count: payload))
        return d
    }

    @Test func rejectsBadFiles() {
        let dir = TempFolder()
        expectError("i.npy", "unsupported NPY dtype '<i4'") {
            _ = try DatasetLoader.load(path: dir.file("i.npy", data: npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", payload: 16)))
        }
        expectError("f.npy", "fortran_order is True") {
            _ = try DatasetLoader.load(path: dir.file("f.npy", data: npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", payload: 16)))
        }
        expectError("one.npy", "expected a 2-D array", "[4]") {
            _ = try DatasetLoader.load(path: dir.file("one.npy", data: NPYWriter.float32(shape: [4], values: [1, 2, 3, 4])))
        }
        expectError("three.npy", "expected a 2-D array", "[1, 2, 2]") {
            _ = try DatasetLoader.load(path: dir.file("three.npy", data: NPYWriter.float32(shape: [1, 2, 2], values: [1, 2, 3, 4])))
        }
        let full = NPYWriter.float64(shape: [3, 2], values: [1, 2, 3, 4, 5, 6])
        expectError("cut.npy", "truncated", "needs 48 bytes of data, file has 40") {
            _ = try DatasetLoader.load(path: dir.file("cut.npy", data: full.prefix(full.count - 8)))
        }
        expectError("hdr.npy", "truncated NPY header") {
            _ = try DatasetLoader.load(path: dir.file("hdr.npy", data: full.prefix(30)))
        }
        expectError("junk.npy", "not an NPY file") { _ = try DatasetLoader.load(path: dir.file("junk.npy", "1,2,3\n")) }
        expectError("e.npy", "file is empty") { _ = try DatasetLoader.load(path: dir.file("e.npy", "")) }
    }

    @Test func rejectsNonFiniteElements() {
        let dir = TempFolder()
        expectError("nan.npy", "element [1, 0]", "column 'x0'", "not finite") {
            _ = try DatasetLoader.load(path: dir.file("nan.npy", data: NPYWriter.float32(shape: [2, 2], values: [1, 2, .nan, 4])))
        }
        expectError("inf.npy", "element [0, 1]", "column 'x1'", "not finite") {
            _ = try DatasetLoader.load(path: dir.file("inf.npy", data: NPYWriter.float64(shape: [2, 2], values: [1, 1e300, 3, 4])))
        }
    }
}
