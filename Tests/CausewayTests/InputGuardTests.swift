import Foundation
import Testing
@testable import Causeway

/// Project-generated equivalents of every kind in ../shared/cases (inputs as users have them):
/// each refused input fails with one message naming the file and the cause, a non-zero exit
/// and no output folder at all; each usable one runs and records its diagnostics in graph.json.
@Suite struct InputGuardTests {
    /// A lagged linear system over `p` variables (x_j,t depends on x_j,t−1 and x_{j−1},t−1).
    func series(_ rows: Int, _ p: Int, seed: UInt64 = 1) -> [[Double]] {
        var rng = RNG(seed: seed)
        var x = [[Double]](repeating: [Double](repeating: 0, count: p), count: rows)
        for t in 1..<rows {
            for j in 0..<p { x[t][j] = 0.5 * x[t - 1][j] + (j > 0 ? 0.6 * x[t - 1][j - 1] : 0) + rng.gaussian() }
        }
        return x
    }

    func csv(_ header: String?, _ rows: [[String]]) -> String {
        (header.map { [$0] } ?? []).joined() + (header == nil ? "" : "\n") + rows.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    func numbers(_ x: [[Double]]) -> [[String]] { x.map { $0.map { String(format: "%.6f", $0) } } }

    func args(_ data: String, _ out: String, _ extra: [String] = []) -> [String] {
        ["run", "--data", data, "--out", out, "--max-lag", "2", "--steps", "3", "--d-model", "16", "--heads", "2",
         "--layers", "1", "--eval-samples", "50", "--quiet"] + extra
    }

    /// Refused: non-zero exit, the fragments on stderr, and no --out folder created.
    func expectRefused(_ a: [String], _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try runCLI(a)
        #expect(r.status != 0, "exit status", sourceLocation: sourceLocation)
        for f in fragments { #expect(r.stderr.contains(f), "stderr '\(r.stderr)' lacks '\(f)'", sourceLocation: sourceLocation) }
        let out = a[a.firstIndex(of: "--out")! + 1]
        #expect(!FileManager.default.fileExists(atPath: out), "--out was created", sourceLocation: sourceLocation)
    }

    /// Runs and returns graph.json.
    func expectRuns(_ a: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let r = try runCLI(a)
        #expect(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
        let out = a[a.firstIndex(of: "--out")! + 1]
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/graph.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func kinds(_ g: [String: Any]) -> [String] { (g["diagnostics"] as? [[String: Any]] ?? []).map { $0["kind"] as! String } }

    @Test func dateTimeFirstColumn() throws {
        let f = TempFolder()
        let x = series(300, 3)
        let rows = x.enumerated().map { t, r in [String(format: "2023-03-%02d %02d:00:00", 1 + t / 24, t % 24)] + r.map { String(format: "%.5f", $0) } }
        let data = f.file("stamped.csv", csv("timestamp,a,b,c", rows))
        try expectRefused(args(data, f.path + "/o1"), ["stamped.csv:2: column 1 'timestamp' is not a number: '2023-03-01 00:00:00'", "--time-column timestamp"])
        let g = try expectRuns(args(data, f.path + "/o2", ["--time-column", "timestamp"]))
        #expect(g["variables"] as? [String] == ["a", "b", "c"])
        #expect(((g["provenance"] as? [String: Any])?["time"] as? String)?.hasPrefix("timestamp: 2023-03-01 00:00:00 … 2023-03-13 11:00:00, 300 rows, step 1 h") == true)
    }

    @Test func missingAndInfiniteCells() throws {
        let f = TempFolder()
        var rows = numbers(series(400, 3))
        rows[10][1] = ""; rows[11][1] = "NA"; rows[200][0] = "nan"; rows[300][2] = "NaN"
        let data = f.file("gaps.csv", csv("a,b,c", rows))
        try expectRefused(args(data, f.path + "/o1"), ["gaps.csv: 4 missing cells in 3 columns (the first: line 12, column 'b', value '')",
                                                       "'a' 1 (line 202)", "'b' 2 (lines 12, 13)", "--missing drop-windows"])
        let g = try expectRuns(args(data, f.path + "/o2", ["--missing", "drop-windows"]))
        #expect(kinds(g).contains("dropped"))
        rows[50][0] = "1e400"; rows[60][2] = "-inf"
        let bad = f.file("inf.csv", csv("a,b,c", rows))
        try expectRefused(args(bad, f.path + "/o3", ["--missing", "drop-windows"]), ["inf.csv: 2 infinite cells", "line 52 column 'a' '1e400' (beyond the float64 range)", "line 62 column 'c' '-inf'"])
    }

    @Test func constantNearConstantAndIndexColumns() throws {
        let f = TempFolder()
        let x = series(400, 2)
        let rows = x.enumerated().map { t, r in
            [String(t * 5000), "1", t == 100 ? "0.0870000001" : "0.087"] + r.map { String(format: "%.5f", $0) } + ["0.0"]
        }
        let data = f.file("trace.csv", csv("index,reset,trim,a,b,dout", rows))
        try expectRefused(args(data, f.path + "/o1"), ["trace.csv: 'reset' (constant 1.0), 'trim' (near-constant", "'dout' (constant 0.0)",
                                                       "--drop-columns reset,trim,dout"])
        let g = try expectRuns(args(data, f.path + "/o2", ["--drop-columns", "reset,trim,dout"]))
        #expect(g["variables"] as? [String] == ["a", "b"])
        #expect(kinds(g).contains("index_column"))
    }

    @Test func veryShortAndTransposedInputs() throws {
        let f = TempFolder()
        let five = f.file("five.csv", csv("pop,income,housing,employment", numbers(series(5, 4))))
        try expectRefused(args(five, f.path + "/o1"), ["five.csv: 5 time steps (rows) × 4 variables with --max-lag 2 give 1 training window;",
                                                       "needs at least 30", "about 46 rows"])
        var flat: [Float] = []
        for _ in 0..<5 { for j in 0..<1000 { flat.append(Float(j % 7)) } }
        let npy = f.file("wide.npy", data: NPYWriter.float32(shape: [5, 1000], values: flat))
        let start = Date()
        try expectRefused(args(npy, f.path + "/o2"), ["wide.npy: 5 rows (time steps) and 1000 columns (variables)", "looks transposed", "a.T"])
        #expect(Date().timeIntervalSince(start) < 30)   // refused before any training (the gate of < 2 s is in scripts/check-cases)
        // pandas `df.T.to_csv()` of 200 time steps × 30 regions: header ",0,1,…,199", a label per row
        var transposed = "," + (0..<200).map(String.init).joined(separator: ",") + "\n"
        for j in 0..<30 { transposed += "r\(j)," + (0..<200).map { String(Double(($0 * 7 + j) % 11) * 0.1) }.joined(separator: ",") + "\n" }
        let pandas = f.file("pandas_T.csv", transposed)
        try expectRefused(args(pandas, f.path + "/o3"), ["pandas_T.csv: 30 rows (time steps) and 200 columns (variables)", "looks transposed"])
        let seventy = f.file("seventy.csv", csv("pop,income,housing,employment", numbers(series(70, 4))))
        let g = try expectRuns(args(seventy, f.path + "/o3"))
        #expect(kinds(g).contains("small_sample"))
        let message = (g["diagnostics"] as! [[String: Any]]).first { $0["kind"] as? String == "small_sample" }?["message"] as? String ?? ""
        #expect(message.contains("training and") && message.contains("held-out windows for 8 inputs per forecast"))
    }

    @Test func scaleAndOffsetMagnitudes() throws {
        let f = TempFolder()
        let rows = series(400, 3).map { r in [String(format: "%.4f", 1e12 + 1000 * r[0]), String(format: "%.6e", 1e-6 * r[1]), String(format: "%.3e", 1e9 * r[2])] }
        let g = try expectRuns(args(f.file("mixed.csv", csv("cnt,conc,rev", rows)), f.path + "/o"))
        #expect(g["variables"] as? [String] == ["cnt", "conc", "rev"])
        for e in g["edges"] as! [[String: Any]] { #expect((e["score"] as? Double)?.isFinite == true) }
    }

    @Test func headerlessCSV() throws {
        let f = TempFolder()
        let data = f.file("plain.csv", csv(nil, numbers(series(300, 4))))
        try expectRefused(args(data, f.path + "/o1"), ["plain.csv:1: the first line is all numbers", "--no-header"])
        let g = try expectRuns(args(data, f.path + "/o2", ["--no-header"]))
        #expect(g["variables"] as? [String] == ["x0", "x1", "x2", "x3"])
        // a date column first: still data, and the message names the time column to pass
        let day = 86_400.0
        let dated = f.file("dated.csv", csv(nil, numbers(series(300, 3)).enumerated().map { t, r in
            [ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: 1.42e9 + Double(t) * day))] + r
        }))
        try expectRefused(args(dated, f.path + "/o3"), ["dated.csv:1: the first line holds a date and numbers",
                                                        "--no-header --time-column x0"])
        let d = try expectRuns(args(dated, f.path + "/o4", ["--no-header", "--time-column", "x0"]))
        #expect(d["variables"] as? [String] == ["x1", "x2", "x3"])
    }

    @Test func sessionsMatchedByName() throws {
        let f = TempFolder()
        let x1 = series(300, 3, seed: 1), x2 = series(300, 3, seed: 2)
        f.file("s1.csv", csv("hr,bp,resp", numbers(x1)))
        f.file("s2.csv", csv("resp,hr,bp", numbers(x2).map { [$0[2], $0[0], $0[1]] }))
        f.file("s3.csv", csv("hr,bp", numbers(x2).map { [$0[0], $0[1]] }))
        let good = f.file("m.json", #"{"variables": ["hr","bp","resp"], "domains": [{"name":"one","path":"s1.csv"},{"name":"two","path":"s2.csv"}]}"#)
        let g = try expectRuns(args(good, f.path + "/o1"))
        #expect((g["diagnostics"] as! [[String: Any]]).contains { ($0["message"] as? String)?.contains("s2.csv: columns are in another order (resp, hr, bp)") == true })
        let bad = f.file("bad.json", #"{"variables": ["hr","bp","resp"], "domains": [{"name":"one","path":"s1.csv"},{"name":"three","path":"s3.csv"}]}"#)
        try expectRefused(args(bad, f.path + "/o2"), ["s3.csv: variable 'resp' is missing (its header: hr, bp)"])
    }

    /// Bad input flags: one message naming the flag, non-zero exit, no --out folder.
    @Test func badInputFlags() throws {
        let f = TempFolder()
        let data = f.file("d.csv", csv("a,b,c", numbers(series(300, 3))))
        try expectRefused(args(data, f.path + "/o1", ["--delimiter", "|"]), ["--delimiter must be ',', ';' or tab (got '|')"])
        try expectRefused(args(data, f.path + "/o2", ["--columns", "a,,b"]), ["--columns has an empty name in 'a,,b'"])
        try expectRefused(args(data, f.path + "/o3", ["--columns", "a,a"]), ["--columns names a column twice"])
        try expectRefused(args(data, f.path + "/o4", ["--columns", "a,b", "--drop-columns", "b"]), ["'b' is in both --columns and --drop-columns"])
        try expectRefused(args(data, f.path + "/o5", ["--missing", "impute"]), ["--missing", "impute"])
        try expectRefused(args(data, f.path + "/o6", ["--drop-columns", "a,b,c"]), ["d.csv: no variable columns left to read"])
        try expectRefused(args(data, f.path + "/o7", ["--linear-path", "--tokens", "variable"]), ["--linear-path needs --tokens step"])
        try expectRefused(args(data, f.path + "/o8", ["--time-column", "zz"]), ["--time-column 'zz'", "no such column"])
    }

    /// The readout and the tests report progress (and a final line) unless --quiet.
    @Test func longStagesReportProgress() throws {
        let f = TempFolder()
        let data = f.file("d.csv", csv("a,b,c", numbers(series(400, 3))))
        let a = args(data, f.path + "/o").filter { $0 != "--quiet" }
        let r = try runCLI(a)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("readout (lrp): 50/50 samples × 3 targets (100%) in "))
        #expect(r.stderr.contains("tests (held-out windows): 6/6 inputs (100%) in "))
        let quiet = try runCLI(args(data, f.path + "/q"))
        #expect(!quiet.stderr.contains("readout (lrp)"))
    }

    /// Every rank runs the same checks before any collective call, so all fail alike and
    /// the job ends without a hang.
    @Test func everyRankRefusesTheSameInput() throws {
        let f = TempFolder()
        let data = f.file("five.csv", csv("a,b,c", numbers(series(5, 3))))
        let start = Date()
        let r = try runCLI(args(data, f.path + "/o"), ranks: 2)
        #expect(r.status != 0)
        #expect(r.stderr.contains("five.csv: 5 time steps (rows) × 3 variables"))
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(!FileManager.default.fileExists(atPath: f.path + "/o"))
    }
}
