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

    /// Every Double written with its shortest description parses back bit-identically,
    /// through both the fast path and strtod.
    @Test func roundTripsDoubles() throws {
        var rng = RNG(seed: 11)
        let rows = 300, cols = 4
        var values: [Double] = []
        for k in 0..<(rows * cols) {
            switch k % 4 {
            case 0: values.append(rng.gaussian())
            case 1: values.append(rng.uniform(-1e6, 1e6) + 1e12)
            case 2: values.append(rng.gaussian() * 1e-200)
            default: values.append(Double(Int(rng.uniform(-100, 100))) / 8)
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
        for t in 0..<500 { text += "\(Double(t) * 1.000001),-123456.789012\n" }
        let dir = TempFolder()
        let s = try DatasetLoader.load(path: dir.file("g.csv", text)).domains[0].series
        #expect(s.rows == 501 && s.value(0, 1) == 2)
        #expect(s.value(500, 0) == Double(499) * 1.000001 && s.value(500, 1) == -123456.789012)
    }

    @Test func aDoubledQuoteInAQuotedHeaderIsOneQuote() throws {
        let dir = TempFolder()
        let d = try DatasetLoader.load(path: dir.file("q.csv", "\"x\"\"y\",b\n" + (0..<40).map { "\(sin(Double($0))),\(cos(Double($0)))" }.joined(separator: "\n") + "\n"))
        #expect(d.variables == ["x\"y", "b"])
    }

    @Test func fastPathMatchesStrtod() throws {
        let cells = ["0.1", "-0.3", "123456.7", "1e-10", "9007199254740991", "0.0000001", "9.999999e9", "7.", ".5", "+2",
                     "1000000000335.0789", "123456789012345678901", "1e-320"]
        let dir = TempFolder()
        let s = try DatasetLoader.load(path: dir.file("f.csv", cells.joined(separator: ",")), header: false).domains[0].series
        for (j, c) in cells.enumerated() { #expect(s.value(0, j) == strtod(c, nil), "\(c)") }
        // strtod's hexadecimal forms are not measurements: refused, not read as 2.1e9
        for hex in ["0x7FFFFFFF", "0x1p3", "-0X10"] {
            expectError("h.csv:1: column 2", "is not a number") {
                _ = try DatasetLoader.load(path: dir.file("h.csv", "1,\(hex)\n"), header: false)
            }
        }
    }

    /// z-scores are computed in float64: a column of 1e12 with a spread of ~1e3 keeps its shape.
    @Test func largeOffsetsKeepTheirSpread() throws {
        var text = "big,small\n"
        var big: [Double] = []
        var rng = RNG(seed: 3)
        for t in 0..<200 { let v = 1e12 + 1000 * rng.gaussian(); big.append(v); text += "\(v),\(1e-6 * rng.gaussian() + Double(t % 3) * 1e-6)\n" }
        let dir = TempFolder()
        let d = try DatasetLoader.load(path: dir.file("m.csv", text))
        #expect(try d.check(maxLag: 1, validationFraction: 0.1).allSatisfy { $0.kind == .smallSample })
        let s = try Standardizer.fit(d.domains[0], variables: d.variables, trainRows: 180)
        let mean = big[0..<180].reduce(0, +) / 180
        let std = (big[0..<180].map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 180).squareRoot()
        var row = [Float](repeating: 0, count: 2)
        s.mean.withUnsafeBufferPointer { m in s.invStd.withUnsafeBufferPointer { i in
            row.withUnsafeMutableBufferPointer { d.domains[0].series.copyStandardizedRow(5, mean: m.baseAddress!, invStd: i.baseAddress!, into: $0.baseAddress!) }
        } }
        #expect(abs(Double(row[0]) - (big[5] - mean) / std) < 1e-5)
    }

    @Test func errorsNameFileLineAndColumn() {
        let dir = TempFolder()
        expectError("b.csv:3: expected 3 fields, found 2") {
            _ = try DatasetLoader.load(path: dir.file("b.csv", "x0,x1,x2\n1,2,3\n4,5\n"))
        }
        expectError("c.csv:2: expected 3 fields, found 5") {
            _ = try DatasetLoader.load(path: dir.file("c.csv", "x0,x1,x2\n1,2,3,4,5\n"))
        }
        expectError("d.csv:3: column 3 'x2' is not a number: 'abc'") {
            _ = try DatasetLoader.load(path: dir.file("d.csv", "x0,x1,x2\n1,2,3\n4,5,abc\n"))
        }
        expectError("i.csv:3: empty line") {
            _ = try DatasetLoader.load(path: dir.file("i.csv", "a,b\n1,2\n\n3,4\n"))
        }
        expectError("t.csv:3: the line ends with ','", "trailing empty field") {
            _ = try DatasetLoader.load(path: dir.file("t.csv", "a,b\n1,2\n3,4,\n"))
        }
        expectError("h.csv:1: the header ends with ','", "trailing empty field") {
            _ = try DatasetLoader.load(path: dir.file("h.csv", "a,b,\n1,2,\n"))
        }
    }

    /// Missing cells in any spelling are counted per column with their first lines; infinite
    /// and overflowing cells are errors in every mode, all listed at once.
    @Test func missingAndInfiniteCells() throws {
        let dir = TempFolder()
        let text = "a,b,c\n1,,3\n4,NA,6\nnan,8,N/A\n10,NaN,12\n13,14,15\n"
        let p = dir.file("m.csv", text)
        expectError("m.csv: 5 missing cells in 3 columns (the first: line 2, column 'b', value '')",
                    "'a' 1 (line 4)", "'b' 3 (lines 2, 3, 5)", "'c' 1 (line 4)", "--missing drop-windows") {
            _ = try DatasetLoader.load(path: p)
        }
        let d = try DatasetLoader.load(path: p, options: LoadOptions(missing: .dropWindows))
        let s = d.domains[0].series
        #expect(s.missingRows == [0, 1, 2, 3] && s.missingPerColumn == [1, 3, 1])
        #expect(s.value(0, 1).isNaN && s.value(4, 2) == 15)
        let inf = dir.file("inf.csv", "a,b\n1,inf\n-Infinity,2\n1e400,3\n4,-1e999\n")
        for mode in MissingPolicy.allCases {
            expectError("inf.csv: 4 infinite cells", "line 2 column 'b' 'inf'", "line 3 column 'a' '-Infinity'",
                        "line 4 column 'a' '1e400' (beyond the float64 range)", "line 5 column 'b' '-1e999'") {
                _ = try DatasetLoader.load(path: inf, options: LoadOptions(missing: mode))
            }
        }
    }

    /// Windows that touch a missing cell are left out of training and validation, and counted.
    @Test func dropWindowsMasksMissingRows() throws {
        let dir = TempFolder()
        var text = "a,b\n"
        for t in 0..<100 { text += t == 30 ? "1,\n" : "\(sin(Double(t))),\(cos(Double(t)))\n" }
        let d = try DatasetLoader.load(path: dir.file("w.csv", text), options: LoadOptions(missing: .dropWindows))
        let w = WindowSet(sources: d.domains.map(\.series), maxLag: 3, validationFraction: 0.2)
        // row 30 lies in the windows starting at 27...30 (rows start...start+3)
        #expect(w.droppedWindows == [4])
        #expect(w.train.count == 80 - 3 - 4 && !w.train.contains { (27...30).contains(Int($0.start)) })
        #expect(w.validation.count == 20)
    }

    @Test func headerProblemsGetTheirOwnMessage() {
        let dir = TempFolder()
        expectError("n.csv:1: the first line is all numbers (0.708042, -1.25303, 3)", "--no-header") {
            _ = try DatasetLoader.load(path: dir.file("n.csv", "0.708042,-1.25303,3\n1,2,3\n"))
        }
        expectError("tr.csv:1:", "column names are dates or times", "looks transposed", "df.T") {
            _ = try DatasetLoader.load(path: dir.file("tr.csv", "2020-01-01,2020-01-02,2020-01-03,2020-01-04\n1,2,3,4\n5,6,7,8\n"))
        }
        // header-less, one row per variable: the first line is a label and numbers
        expectError("lab.csv:1: the first line is a label followed by numbers (r0, 0.13, -0.4, 1, …)", "transposed", "df.T",
                    "--no-header --drop-columns x0") {
            _ = try DatasetLoader.load(path: dir.file("lab.csv", "r0,0.13,-0.4,1,0.5\nr1,0.2,0.1,0.3,0.25\n"))
        }
        expectError("sub.csv:1: column 2 has an empty name") {   // not a label line: a missing name
            _ = try DatasetLoader.load(path: dir.file("sub.csv", "time,,b\n1,2,3\n"))
        }
        expectError("dt.csv:2: column 1 'when' is not a number: '2023-03-01 00:00:00'", "--time-column when", "--drop-columns when") {
            _ = try DatasetLoader.load(path: dir.file("dt.csv", "when,x\n2023-03-01 00:00:00,1\n2023-03-01 01:00:00,2\n"))
        }
        expectError("dc.csv:2: column 1 'a' is not a number: '1,5'", "decimal comma") {
            _ = try DatasetLoader.load(path: dir.file("dc.csv", "a;b\n1,5;2,5\n"))
        }
    }

    /// pandas `df.to_csv()` of a frame whose columns are a RangeIndex: the header is ",0,1,2,…",
    /// names, not data; the index column is skipped.
    @Test func rangeIndexHeaderIsNames() throws {
        let dir = TempFolder()
        var text = ",0,1,2\n"
        for t in 0..<40 { text += "\(t),\(Double(t % 7) * 0.5),\(Double(t % 5) - 1),\(Double(t % 3))\n" }
        let d = try DatasetLoader.load(path: dir.file("r.csv", text))
        #expect(d.variables == ["0", "1", "2"])
        #expect(d.domains[0].series.rows == 40)
    }

    /// BOM, CRLF, quotes, blanks around names; semicolons and tabs detected or given; .tsv.
    @Test func delimitersAndNormalisation() throws {
        let dir = TempFolder()
        let bom = try DatasetLoader.load(path: dir.file("bom.csv", "\u{FEFF}\" a \", b\r\n1,\"2\"\r\n3,4\r\n"))
        #expect(bom.variables == ["a", "b"] && bom.domains[0].series.value(0, 1) == 2)
        let semi = try DatasetLoader.load(path: dir.file("s.csv", "a;b;c\n1;2;3\n4;5;6\n"))
        #expect(semi.variables == ["a", "b", "c"] && semi.domains[0].series.value(1, 2) == 6)
        #expect(semi.notes.contains { $0.message.contains("separated by ';' (detected") })
        let tsv = try DatasetLoader.load(path: dir.file("t.tsv", "a\tb\n1\t2\n"))
        #expect(tsv.variables == ["a", "b"] && tsv.domains[0].series.value(0, 1) == 2)
        let given = try DatasetLoader.load(path: dir.file("g.csv", "a;b,c\n1;2\n"),
                                           options: LoadOptions(table: TableOptions(delimiter: UInt8(ascii: ";"))))
        #expect(given.variables == ["a", "b,c"])
    }

    /// A nameless or "Unnamed: 0" first column is pandas' row index: skipped with a note.
    @Test func pandasIndexColumn() throws {
        let dir = TempFolder()
        for name in ["", "Unnamed: 0"] {
            let d = try DatasetLoader.load(path: dir.file("p.csv", "\(name),a,b\n0,1,2\n1,3,5\n2,4,4\n"))
            #expect(d.variables == ["a", "b"] && d.domains[0].series.value(2, 1) == 4)
            #expect(d.notes.contains { $0.kind == .indexColumn && $0.message.contains("pandas writes its row index") })
        }
    }

    /// --columns / --drop-columns choose the variables; a column that increases at every row
    /// is left out with a note unless --columns names it.
    @Test func columnSelectionAndIndexColumns() throws {
        let dir = TempFolder()
        var text = "step,x,label,y\n"
        for t in 0..<50 { text += "\(t * 5),\(sin(Double(t))),s\(t),\(cos(Double(t)))\n" }
        let p = dir.file("c.csv", text)
        let dropped = try DatasetLoader.load(path: p, options: LoadOptions(table: TableOptions(dropColumns: ["label"])))
        #expect(dropped.variables == ["x", "y"])
        #expect(dropped.notes.contains { $0.kind == .indexColumn && $0.columns == ["step"] && $0.message.contains("in steps of 5") })
        let chosen = try DatasetLoader.load(path: p, options: LoadOptions(table: TableOptions(columns: ["y", "step"])))
        #expect(chosen.variables == ["y", "step"] && chosen.domains[0].series.value(3, 1) == 15)
        expectError("--columns 'z': ", "c.csv has no such column (columns: step, x, label, y)") {
            _ = try DatasetLoader.load(path: p, options: LoadOptions(table: TableOptions(columns: ["z"])))
        }
        expectError("--drop-columns 'q'") {
            _ = try DatasetLoader.load(path: p, options: LoadOptions(table: TableOptions(dropColumns: ["q"])))
        }
        expectError("c.csv:2: column 3 'label' is not a number: 's0'") { _ = try DatasetLoader.load(path: p) }
        // every column increasing (cumulative counts): none is left out, and no note says so
        let all = dir.file("all.csv", "a,b\n" + (0..<50).map { "\($0),\(3 * $0 + $0 % 2)" }.joined(separator: "\n") + "\n")
        let kept = try DatasetLoader.load(path: all)
        #expect(kept.variables == ["a", "b"])
        #expect(!kept.notes.contains { $0.kind == .indexColumn } && kept.notes.contains { $0.message.contains("none is left out") })
    }

    /// --time-column: ISO stamps or numbers, strictly increasing, gaps counted; never a variable.
    @Test func timeColumn() throws {
        let dir = TempFolder()
        var text = "time,x,y\n"
        var hour = 0
        for t in 0..<40 {
            hour += t == 20 ? 5 : 1
            text += String(format: "2024-01-%02dT%02d:00:00Z,%g,%g\n", 1 + hour / 24, hour % 24, sin(Double(t)), cos(Double(t)))
        }
        let opts = LoadOptions(table: TableOptions(timeColumn: "time"))
        let d = try DatasetLoader.load(path: dir.file("t.csv", text), options: opts)
        #expect(d.variables == ["x", "y"])
        let axis = try #require(d.domains[0].time)
        #expect(axis.isDate && axis.medianStep == 3600 && axis.gaps == 1 && axis.largestGap?.step == 5 * 3600 && axis.largestGap?.line == 22)
        #expect(d.notes.contains { $0.kind == .irregularTime && $0.message.contains("1 gap longer than 1.5 × the usual step of 1 h; the largest is 5 h, ending on line 22") })
        expectError("u.csv:4: --time-column time: '2' is not after the previous row's '3'", "sort the file by time") {
            _ = try DatasetLoader.load(path: dir.file("u.csv", "time,x\n1,5\n3,6\n2,7\n"), options: opts)
        }
        expectError("v.csv:3: --time-column time: 'soon' is not a date/time like the first row's '2024-01-01'") {
            _ = try DatasetLoader.load(path: dir.file("v.csv", "time,x\n2024-01-01,5\nsoon,6\n"), options: opts)
        }
        // a date format it does not read: said on the first row, not compared with itself
        expectError("d.csv:2: --time-column time: '01/03/2023' is neither a number nor an ISO 8601 date/time", "pd.to_datetime") {
            _ = try DatasetLoader.load(path: dir.file("d.csv", "time,x\n01/03/2023,5\n02/03/2023,6\n"), options: opts)
        }
        // a day the month does not have is no date
        #expect(TimeStamp.parse("2023-02-30") == nil && TimeStamp.parse("2024-02-29") != nil && TimeStamp.parse("2023-02-29") == nil)
        expectError("--time-column 'clock': ", "has no such column") {
            _ = try DatasetLoader.load(path: dir.file("w.csv", "time,x\n1,2\n"), options: LoadOptions(table: TableOptions(timeColumn: "clock")))
        }
    }

    /// --difference and --detrend against their definitions (NaN stays NaN).
    @Test func differenceAndDetrend() throws {
        let dir = TempFolder()
        var text = "a,b\n"
        for t in 0..<20 { text += "\(Double((t - 10) * (t - 10)) * 0.5),\(t == 7 ? "" : String(3 + 2 * Double(t) + (t % 2 == 0 ? 1 : -1)))\n" }
        let p = dir.file("tr.csv", text)
        let diff = try DatasetLoader.load(path: p, options: LoadOptions(missing: .dropWindows, difference: true))
        let s = diff.domains[0].series
        #expect(s.rows == 19)
        for t in 0..<19 { #expect(s.value(t, 0) == Double((t - 9) * (t - 9) - (t - 10) * (t - 10)) * 0.5) }
        #expect(s.value(6, 1).isNaN && s.value(7, 1).isNaN && s.value(8, 1) == 0 && s.value(9, 1) == 4)
        #expect(diff.notes.contains { $0.message.contains("first difference") })
        let detr = try DatasetLoader.load(path: p, options: LoadOptions(missing: .dropWindows, detrend: true)).domains[0].series
        // column b is 3 + 2t ± 1: the residual of its least-squares line is small and has mean 0
        var sum = 0.0, n = 0
        for t in 0..<20 where t != 7 { sum += detr.value(t, 1); n += 1; #expect(abs(detr.value(t, 1)) < 1.3) }
        #expect(abs(sum / Double(n)) < 1e-9 && detr.value(7, 1).isNaN)
        expectError("--difference needs at least 2 rows") {
            _ = try DatasetLoader.load(path: dir.file("one.csv", "a,b\n1,2\n"), options: LoadOptions(difference: true))
        }
    }

    /// ISO 8601 stamps against Foundation's ISO8601DateFormatter (an independent parser).
    @Test func timeStampsMatchFoundation() throws {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        for s in ["1970-01-01T00:00:00Z", "2023-03-01T13:45:10Z", "2000-02-29T23:59:59Z", "1969-07-20T20:17:00Z",
                  "2024-12-31T00:00:00+02:00", "2038-01-19T03:14:08-05:30"] {
            #expect(TimeStamp.parse(s) == f.date(from: s)!.timeIntervalSince1970, "\(s)")
        }
        #expect(TimeStamp.parse("2023-03-01 13:45:10") == TimeStamp.parse("2023-03-01T13:45:10Z"))
        #expect(TimeStamp.parse("2023/03/01") == 1_677_628_800)
        #expect(TimeStamp.parse("2023-03-01T10:00:00.250Z")! - TimeStamp.parse("2023-03-01T10:00:00Z")! == 0.25)
        for bad in ["2023", "2023-13-01", "2023-03-01T25:00", "20230301", "1.5", "x"] { #expect(TimeStamp.parse(bad) == nil, "\(bad)") }
    }

    @Test func fileLevelErrors() {
        let dir = TempFolder()
        expectError("nope.csv: no such file") { _ = try DatasetLoader.load(path: dir.path + "/nope.csv") }
        expectError("empty.csv: file is empty") { _ = try DatasetLoader.load(path: dir.file("empty.csv", " \n\n")) }
        expectError("only.csv: no data rows") { _ = try DatasetLoader.load(path: dir.file("only.csv", "a,b\n")) }
        expectError("t.txt", "unsupported file type '.txt'", ".tsv") { _ = try DatasetLoader.load(path: dir.file("t.txt", "1")) }
        expectError("dup.csv:1: duplicate variable name 'a' (columns 1 and 3)") {
            _ = try DatasetLoader.load(path: dir.file("dup.csv", "a,b,a\n1,2,3\n"))
        }
    }
}
