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
        for t in 0..<4 { for j in 0..<3 { #expect(s.value(t, j) == Double(values[t * 3 + j])) } }
        var row = [Float](repeating: 0, count: 3)
        row.withUnsafeMutableBufferPointer { s.copyRow(2, into: $0.baseAddress!) }
        #expect(row == Array(values[6..<9]))
    }

    @Test func float64RoundTripConvertsOnAccess() throws {
        let dir = TempFolder()
        let values: [Double] = (0..<10).map { Double($0) / 3 }
        let s = try DatasetLoader.load(path: dir.file("b.npy", data: NPYWriter.float64(shape: [5, 2], values: values))).domains[0].series
        #expect(s.isMapped)
        for k in 0..<10 { #expect(s.value(k / 2, k % 2) == values[k]) }
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
        expectError("i.npy", "unsupported NPY dtype '>i4'") {
            _ = try DatasetLoader.load(path: dir.file("i.npy", data: npy("{'descr': '>i4', 'fortran_order': False, 'shape': (2, 2), }", payload: 16)))
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

    /// NaN is a missing cell (the --missing policy decides); ±Inf is an error listing every element.
    @Test func nanIsMissingInfIsAnError() throws {
        let dir = TempFolder()
        let d = try DatasetLoader.load(path: dir.file("nan.npy", data: NPYWriter.float32(shape: [2, 2], values: [1, 2, .nan, 4])),
                                       options: LoadOptions(missing: .dropWindows))
        #expect(d.domains[0].series.missingRows == [1] && d.domains[0].series.missingPerColumn == [1, 0])
        expectError("nan.npy", "1 missing cell", "'x0' 1 (row 1, 0-based)", "--missing drop-windows") {
            _ = try DatasetLoader.load(path: dir.file("nan.npy", data: NPYWriter.float32(shape: [2, 2], values: [1, 2, .nan, 4])))
        }
        expectError("inf.npy", "2 infinite elements", "[0, 1] (row 0, column 'x1') = inf", "[1, 0] (row 1, column 'x0') = -inf") {
            _ = try DatasetLoader.load(path: dir.file("inf.npy", data: NPYWriter.float64(shape: [2, 2], values: [1, .infinity, -.infinity, 4])),
                                       options: LoadOptions(missing: .dropWindows))
        }
    }

    /// Integer and bool arrays are read exactly as float64, with a note.
    @Test func integerArraysAreConverted() throws {
        let dir = TempFolder()
        func npy(_ descr: String, _ payload: [UInt8]) -> Data {
            var d = self.npy("{'descr': '\(descr)', 'fortran_order': False, 'shape': (2, 2), }", payload: 0)
            d.append(contentsOf: payload)
            return d
        }
        let i32: [Int32] = [1, -2, 300_000, 4]
        var bytes: [UInt8] = []
        for v in i32 { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        let d = try DatasetLoader.load(path: dir.file("i.npy", data: npy("<i4", bytes)))
        #expect((0..<4).map { d.domains[0].series.value($0 / 2, $0 % 2) } == [1, -2, 300_000, 4])
        #expect(d.notes.map(\.message).contains { $0.contains("integer array (dtype '<i4') converted to float64") })
        let u8 = try DatasetLoader.load(path: dir.file("u.npy", data: npy("|u1", [0, 255, 7, 1])))
        #expect((0..<4).map { u8.domains[0].series.value($0 / 2, $0 % 2) } == [0, 255, 7, 1])
        expectError("c.npy", "unsupported NPY dtype '<c16'") { _ = try DatasetLoader.load(path: dir.file("c.npy", data: npy("<c16", bytes))) }
    }
}
