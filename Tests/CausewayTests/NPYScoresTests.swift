import Foundation
import Testing
@testable import Causeway

@Suite struct NPYScoresTests {
    @Test(arguments: [(3, 8), (1, 1), (16, 20), (2, 100)])
    func headerAndPayload(maxLag: Int, p: Int) throws {
        let n = maxLag * p * p
        let s = ScoreTensor(maxLag: maxLag, variables: p, values: (0..<n).map { Float($0) * 0.5 - 1 })
        let dir = TempFolder()
        let path = dir.path + "/scores.npy"
        try NPYScores.write(s, to: path)

        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes[0..<6]) == [0x93] + Array("NUMPY".utf8))
        #expect(bytes[6] == 1 && bytes[7] == 0)
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let dataStart = 10 + headerLength
        #expect(dataStart % 64 == 0)
        #expect(bytes.count == dataStart + 4 * n)
        let header = String(decoding: bytes[10..<dataStart], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (\(maxLag), \(p), \(p)), }"))
        #expect(header.hasSuffix("\n"))
        #expect(header.dropLast().allSatisfy { $0 != "\n" })

        // Payload: little-endian float32 in C order.
        for k in [0, n / 2, n - 1] {
            let o = dataStart + 4 * k
            let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
            #expect(Float(bitPattern: bits) == s.values[k])
        }
    }

    @Test func readBackAndShapeChecks() throws {
        let dir = TempFolder()
        let path = dir.path + "/scores.npy"
        let s = ScoreTensor(maxLag: 2, variables: 3, values: (0..<18).map { Float($0) / 7 - 1 } )
        var withSpecials = s
        withSpecials.values[3] = .nan
        withSpecials.values[4] = -.infinity
        try NPYScores.write(withSpecials, to: path)
        let back = try NPYScores.read(path: path, maxLag: 2, variables: 3)
        #expect(back.maxLag == 2 && back.variables == 3)
        #expect(zip(back.values, withSpecials.values).allSatisfy { $0.bitPattern == $1.bitPattern })
        expectError(path, "max lag 2", "max_lag 3") { _ = try NPYScores.read(path: path, maxLag: 3) }
        expectError(path, "3 variables", "lists 4") { _ = try NPYScores.read(path: path, variables: 4) }

        // Truncated payload, wrong rank, not NPY, missing.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = dir.file("cut.npy", data: bytes.dropLast(4))
        expectError(cut, "truncated") { _ = try NPYScores.read(path: cut) }
        // a shape whose element count overflows Int (2 · 3037000500²) is truncated, not a crash
        var huge = scoresNPYHeaderForTests(shape: "(2, 3037000500, 3037000500)")
        huge.append(Data(count: 64))
        let hugePath = dir.file("huge.npy", data: huge)
        expectError(hugePath, "truncated") { _ = try NPYScores.read(path: hugePath) }
        var header = scoresNPYHeaderForTests(shape: "(2, 3)")
        header.append(Data(count: 24))
        let flat = dir.file("flat.npy", data: header)
        expectError(flat, "(max_lag, p, p)") { _ = try NPYScores.read(path: flat) }
        let text = dir.file("text.npy", "hello")
        expectError(text, "not an NPY file") { _ = try NPYScores.read(path: text) }
        expectError(dir.path + "/none.npy", "does not exist") { _ = try NPYScores.read(path: dir.path + "/none.npy") }
    }
}

/// A minimal NPY v1.0 `<f4` header with the given shape tuple text.
private func scoresNPYHeaderForTests(shape: String) -> Data {
    var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
    dict += String(repeating: " ", count: (64 - (10 + dict.utf8.count + 1) % 64) % 64) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    data.append(UInt8(dict.utf8.count & 0xFF))
    data.append(UInt8(dict.utf8.count >> 8))
    data.append(contentsOf: Array(dict.utf8))
    return data
}
