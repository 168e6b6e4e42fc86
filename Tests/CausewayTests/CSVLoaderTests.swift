import Foundation
import Testing
@testable import Causeway

@Suite struct CSVLoaderTests {
    @Test func readsHeaderAndValues() throws {
        let dir = TempFolder()
        let p = dir.file("a.csv", "a, b ,c\r\n1,2.5,-3e2\r\n 4 ,\t5,6\r\n\n\n")
        let d = try DatasetLoader.load(path: p)
        #expect(d.variables == ["a", "b", "c"])
        #expect(d.path == p)
        #expect(d.domains.count == 1 && d.domains[0].name == "a" && d.domains[0].path == p)
        let s = d.domains[0].series
        #expect(s.rows == 2 && s.columns == 3)
        #expect(s.value(0, 1) == 2.5 && s.value(0, 2) == -300 && s.value(1, 0) == 4)
        var row = [Float](repeating: 0, count: 3)
        row.withUnsafeMutableBufferPointer { s.copyRow(1, into: $0.baseAddress!) }
        #expect(row == [4, 5, 6])
        #expect(!s.isMapped)
    }

    @Test func noHeaderNamesColumns() throws {
        let dir = TempFolder()
        let d = try DatasetLoader.load(path: dir.file("a.csv", "1,2\n3,4"), header: false)
        #expect(d.variables == ["x0", "x1"])
        #expect(d.domains[0].series.rows == 2)
    }

    /// Every Float written with its shortest description parses back bit-identically,
    /// through both the fast path and strtof.
    @Test func roundTripsFloats() throws {
        var rng = RNG(seed: 11)
        let rows = 300, cols = 4
        var values: [Float] = []
        for k in 0..<(rows * cols) {
            switch k % 4 {
            case 0: values.append(Float(rng.gaussian()))
            case 1: values.append(Float(rng.uniform(-1e6, 1e6)))
            case 2: values.append(Float(rng.gaussian() * 1e-20))
            default: values.append(Float(Int(rng.uniform(-100, 100))) / 8)
            }
        }
        var text = "w,x,y,z\n"
        for t in 0..<rows { text += (0..<cols).map { "\(values[t * cols + $0])" }.joined(separator: ",") + "\n" }
        let dir = TempFolder()
        let s = try DatasetLoader.load(path: dir.file("r.csv", text)).domains[0].series
        for t in 0..<rows { for j in 0..<cols { #expect(s.value(t, j).bitPattern == values[t * cols + j].bitPattern) } }
    }

    /// A short first row under-estimates the row count, so the value buffer must grow.
    @Test func growsPastFirstRowEstimate() throws {
        var text = "a,b\n1,2\n"
        for t in 0..<500 { text += "\(Float(t) * 1.000001),-123456.789012\n" }
        let dir = TempFolder()
        let s = try DatasetLoader.load(path: dir.file("g.csv", text)).domains[0].series
        #expect(s.rows == 501 && s.value(0, 1) == 2)
        #expect(s.value(500, 0) == Float("\(Float(499) * 1.000001)")! && s.value(500, 1) == -123456.789012)
    }

    @Test func fastPathMatchesStrtof() throws {
        let cells = ["0.1", "-0.3", "123456.7", "1e-10", "16777216", "0.0000001", "9.999999e9", "7.", ".5", "+2"]
        let dir = TempFolder()
        let s = try DatasetLoader.load(path: dir.file("f.csv", cells.joined(separator: ",")), header: false).domains[0].series
        for (j, c) in cells.enumerated() { #expect(s.value(0, j) == strtof(c, nil), "\(c)") }
    }

    @Test func errorsNameFileLineAndColumn() {
        let dir = TempFolder()
        expectError("b.csv:3: expected 3 columns, found 2") {
            _ = try DatasetLoader.load(path: dir.file("b.csv", "x0,x1,x2\n1,2,3\n4,5\n"))
        }
        expectError("c.csv:2: expected 3 columns, found 5") {
            _ = try DatasetLoader.load(path: dir.file("c.csv", "x0,x1,x2\n1,2,3,4,5\n"))
        }
        expectError("d.csv:3: column 'x2' is not a number: 'abc'") {
            _ = try DatasetLoader.load(path: dir.file("d.csv", "x0,x1,x2\n1,2,3\n4,5,abc\n"))
        }
        expectError("e.csv:2: column 'x1' is not a number: ''") {
            _ = try DatasetLoader.load(path: dir.file("e.csv", "x0,x1,x2\n1,,3\n"))
        }
        expectError("f.csv:2: column 'b' is not finite: 'NaN'") {
            _ = try DatasetLoader.load(path: dir.file("f.csv", "a,b\n1,NaN\n"))
        }
        expectError("g.csv:3: column 'a' is not finite: '-inf'") {
            _ = try DatasetLoader.load(path: dir.file("g.csv", "a,b\n1,2\n-inf,2\n"))
        }
        expectError("h.csv:2: column 'a' is not finite: '1e39'") {
            _ = try DatasetLoader.load(path: dir.file("h.csv", "a,b\n1e39,2\n"))
        }
        expectError("i.csv:3: empty line") {
            _ = try DatasetLoader.load(path: dir.file("i.csv", "a,b\n1,2\n\n3,4\n"))
        }
    }

    @Test func fileLevelErrors() {
        let dir = TempFolder()
        expectError("nope.csv: no such file") { _ = try DatasetLoader.load(path: dir.path + "/nope.csv") }
        expectError("empty.csv: file is empty") { _ = try DatasetLoader.load(path: dir.file("empty.csv", " \n\n")) }
        expectError("only.csv: no data rows") { _ = try DatasetLoader.load(path: dir.file("only.csv", "a,b\n")) }
        expectError("t.txt", "unsupported file type '.txt'") { _ = try DatasetLoader.load(path: dir.file("t.txt", "1")) }
        expectError("dup.csv:1: duplicate variable name 'a' (columns 1 and 3)") {
            _ = try DatasetLoader.load(path: dir.file("dup.csv", "a,b,a\n1,2,3\n"))
        }
    }
}
