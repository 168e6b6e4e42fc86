import Foundation
import Testing
@testable import Causeway

@Suite struct NPYScoresTests {
    @Test(arguments: [(3, 8), (1, 1), (16, 20), (2, 100)])
    func headerAndPayload(maxLag: Int, p: Int) throws {
        let n = maxLag * p * p
        let s = ScoreTensor(maxLag: maxLag, variables: p, values: (0..<n).map { Float($0) * 0.5 - 1 })
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("causeway-npy-\(UUID().uuidString)").path
        try AtomicFile.makeDirectory(dir)
        let path = dir + "/scores.npy"
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
}
