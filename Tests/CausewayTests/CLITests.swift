import Foundation
import Testing
@testable import Causeway

/// The built `causeway` executable (scripts/test builds it before the tests).
func causewayBinary() -> URL {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("causeway")
    let fallback = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/causeway")
    return FileManager.default.isExecutableFile(atPath: exe.path) ? exe : fallback
}

/// Runs `causeway args` (under `mpirun -n ranks` when ranks is given) with
/// OPENBLAS_NUM_THREADS = `threads`.
/// `environment`: extra variables for this child only (tests run in parallel, so a process-wide
/// `setenv` would reach the other tests' children too).
func runCLI(_ args: [String], ranks: Int? = nil, threads: Int = 1,
            environment extra: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    if let ranks {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/mpirun")
        process.arguments = ["-n", String(ranks), causewayBinary().path] + args
    } else {
        process.executableURL = causewayBinary()
        process.arguments = args
    }
    var env = ProcessInfo.processInfo.environment
    env["OPENBLAS_NUM_THREADS"] = String(threads)
    env.merge(extra) { _, new in new }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Every bad input gets one clear message naming the file/line or flag, a non-zero exit,
/// and no result files.
@Suite struct CLIErrorTests {
    let header = "a,b,c\n"
    func rows(_ n: Int) -> String {
        (0..<n).map { t in "\(sin(Double(t))),\(cos(Double(t) * 0.7)),\(Double(t % 7) * 0.1)" }.joined(separator: "\n") + "\n"
    }

    func expectFailure(_ args: [String], _ fragments: [String], out: String? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let existed = out.map { FileManager.default.fileExists(atPath: $0) } ?? true
        let r = try runCLI(args)
        #expect(r.status != 0, "exit status", sourceLocation: sourceLocation)
        if let out, !existed {
            #expect(!FileManager.default.fileExists(atPath: out), "a refused run created --out", sourceLocation: sourceLocation)
        }
        for f in fragments {
            #expect(r.stderr.contains(f), "stderr '\(r.stderr)' lacks '\(f)'", sourceLocation: sourceLocation)
        }
        if let out {
            for name in ["graph.json", "scores.npy", "metrics.json", "checkpoint.cwck"] {
                #expect(!FileManager.default.fileExists(atPath: out + "/" + name), "partial output \(name)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    /// A finished `auto`-rule run of `steps` steps on a 300-row CSV in `f`: (the CSV, its --out).
    func finishedRun(_ f: TempFolder, steps: Int = 20, sourceLocation: SourceLocation = #_sourceLocation) throws -> (csv: String, out: String) {
        let csv = f.file("d.csv", header + rows(300)), out = f.path + "/out"
        let first = try runCLI(run(csv, out, ["--binarize", "auto", "--steps", String(steps)]))
        #expect(first.status == 0, "\(first.stderr)", sourceLocation: sourceLocation)
        return (csv, out)
    }

    func run(_ data: String, _ out: String, _ extra: [String] = []) -> [String] {
        ["run", "--data", data, "--out", out, "--max-lag", "2", "--steps", "2", "--quiet"] + extra
    }

    @Test func missingFile() throws {
        let f = TempFolder()
        try expectFailure(run(f.path + "/nope.csv", f.path + "/out"), ["nope.csv"], out: f.path + "/out")
    }

    @Test func raggedRow() throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(5) + "1,2\n" + rows(20))
        try expectFailure(run(csv, f.path + "/out"), ["d.csv:7", "expected 3 fields, found 2"], out: f.path + "/out")
    }

    @Test func nonNumericCell() throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(3) + "1,abc,2\n" + rows(20))
        try expectFailure(run(csv, f.path + "/out"), ["d.csv:5", "'b'", "abc"], out: f.path + "/out")
    }

    @Test(arguments: ["nan", "inf", "-Infinity"])
    func nonFiniteCell(cell: String) throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(3) + "1,2,\(cell)\n" + rows(20))
        try expectFailure(run(csv, f.path + "/out"), ["d.csv", "line 5", "'c'", cell == "nan" ? "missing cell" : "infinite cell"], out: f.path + "/out")
    }

    @Test func constantColumn() throws {
        let f = TempFolder()
        let body = (0..<200).map { "\(sin(Double($0))),5,\(cos(Double($0)))" }.joined(separator: "\n")
        let csv = f.file("d.csv", header + body + "\n")
        try expectFailure(run(csv, f.path + "/out"), ["d.csv", "'b'", "constant"], out: f.path + "/out")
    }

    @Test func tooFewRowsForTheLagWindow() throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(6))
        try expectFailure(run(csv, f.path + "/out", ["--max-lag", "8"]), ["d.csv", "--max-lag"], out: f.path + "/out")
    }

    @Test func variablesDifferBetweenDomains() throws {
        let f = TempFolder()
        f.file("a.csv", header + rows(30))
        f.file("b.csv", "a,b,z\n" + rows(30))
        let m = f.file("m.json", #"{"variables": ["a","b","c"], "domains": [{"name":"A","path":"a.csv"},{"name":"B","path":"b.csv"}]}"#)
        try expectFailure(run(m, f.path + "/out"), ["b.csv", "variable 'c' is missing", "(its header: a, b, z)"], out: f.path + "/out")
    }

    @Test func aWrongDelimiterIsNamedWhenAColumnIsNotFound() throws {
        let f = TempFolder()
        let csv = f.file("semi.csv", "date;a;b;c\n" + (0..<100).map { "2024-01-\(String(format: "%02d", $0 % 28 + 1));\($0);\($0 % 3);1" }.joined(separator: "\n") + "\n")
        try expectFailure(run(csv, f.path + "/out", ["--time-column", "date", "--delimiter", ","]),
                          ["no such column", "looks ';'-separated: --delimiter ';' (not ',')"], out: f.path + "/out")
    }

    @Test func aWrongDelimiterIsNamedWhenACellHoldsSeveralNumbers() throws {
        let f = TempFolder()
        let csv = f.file("c.csv", header + rows(100))
        try expectFailure(run(csv, f.path + "/out", ["--delimiter", ";"]), ["is not a number", "looks ','-separated: --delimiter ',' (not ';')"],
                          out: f.path + "/out")
    }

    @Test func oneFileListedAsTwoDomains() throws {
        let f = TempFolder()
        f.file("a.csv", header + rows(300))
        let m = f.file("m.json", #"{"variables": ["a","b","c"], "domains": [{"name":"s1","path":"a.csv"},{"name":"s2","path":"./a.csv"}]}"#)
        try expectFailure(run(m, f.path + "/out"), ["m.json", "domains 's1' and 's2' read the same file"], out: f.path + "/out")
    }

    @Test func unknownManifestKey() throws {
        let f = TempFolder()
        f.file("a.csv", header + rows(30))
        let m = f.file("m.json", #"{"variables": ["a","b","c"], "domains": [{"name":"A","path":"a.csv"}], "colour": 1}"#)
        try expectFailure(run(m, f.path + "/out"), ["m.json", "colour"], out: f.path + "/out")
    }

    @Test func badFlags() throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(40))
        let out = f.path + "/out"
        try expectFailure(run(csv, out, ["--heads", "3"]), ["--heads"], out: out)
        try expectFailure(run(csv, out, ["--tokens", "pixel"]), ["--tokens", "pixel"], out: out)
        try expectFailure(run(csv, out, ["--lr", "-1"]), ["--lr"], out: out)
        try expectFailure(run(csv, out, ["--validation-fraction", "0.95"]), ["--validation-fraction"], out: out)
        try expectFailure(run(csv, out, ["--top-k", "0"]), ["--top-k"], out: out)
        try expectFailure(run(csv, out, ["--binarize", "fdr:1.5"]), ["--binarize", "fdr:1.5", "between 0 and 1"], out: out)
        try expectFailure(run(csv, out, ["--binarize", "pvalue:-1"]), ["--binarize", "pvalue:-1"], out: out)
        try expectFailure(run(csv, out, ["--null-repeats", "0"]), ["--null-repeats"], out: out)
        try expectFailure(run(csv, out, ["--fdr-method", "holm"]), ["--fdr-method", "holm"], out: out)
        try expectFailure(run(csv, out, ["--null-draw", "knockoff"]), ["--null-draw", "knockoff"], out: out)
        try expectFailure(run(csv, out, ["--linear-path-start", "ones"]), ["--linear-path-start", "ones"], out: out)
        // 40 rows with 10% held out leave 4 windows: too few for the tests, refused before training
        try expectFailure(run(csv, out, ["--validation-fraction", "0.1"]), ["--validation-fraction", "4 held-out window", "at least 10"], out: out)
        #expect(!FileManager.default.fileExists(atPath: out + "/train_log.jsonl"))
        try expectFailure(run(csv, out, ["--frobnicate"]), ["--frobnicate"], out: out)
        // a negative value after a space reads as an option: the message says how to write it
        try expectFailure(run(csv, out, ["--lr", "-1"]), ["--lr -1: write a negative value as --lr=-1"], out: out)
        try expectFailure(run(csv, out, ["--lr=-1"]), ["--lr must be a positive number"], out: out)
        try expectFailure(["generate", "--variables", "1", "--out", out], ["--variables"])
        try expectFailure(["generate", "--variables", "2", "--in-degree", "3", "--out", out], ["--in-degree"])
        try expectFailure(run(csv, out, ["--d-model", "6"]), ["--d-model 6", "default 4", "--heads"], out: out)
    }

    /// The linear path starts at the lag-1 fit (auto, with many windows per input) unless --linear-path-start zero, var or lasso; the banner
    /// and graph.json say which, the three starts give different models, and an unknown start
    /// is refused before --out is made.
    @Test func linearPathStartIsRecorded() throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(300))
        func provenance(_ out: String) throws -> [String: Any] {
            let g = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/graph.json"))) as? [String: Any]
            return try #require(g?["provenance"] as? [String: Any])
        }
        let a = try runCLI(["run", "--data", csv, "--out", f.path + "/a", "--max-lag", "2", "--steps", "2", "--binarize", "auto"])
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stderr.contains("start auto → autoregressive (") && a.stderr.contains("enough for training to learn the cross weights"), "\(a.stderr)")
        #expect(try provenance(f.path + "/a")["linear_path_start"] as? String == "autoregressive")
        let z = try runCLI(run(csv, f.path + "/z", ["--binarize", "auto", "--linear-path-start", "zero"]))
        #expect(z.status == 0, "\(z.stderr)")
        #expect(try provenance(f.path + "/z")["linear_path_start"] as? String == "zero")
        let v = try runCLI(run(csv, f.path + "/v", ["--binarize", "auto", "--linear-path-start", "var"]))
        #expect(v.status == 0, "\(v.stderr)")
        #expect(try provenance(f.path + "/v")["linear_path_start"] as? String == "var")
        let l = try runCLI(run(csv, f.path + "/l", ["--binarize", "auto", "--linear-path-start", "lasso"]))
        #expect(l.status == 0, "\(l.stderr)")
        #expect(try provenance(f.path + "/l")["linear_path_start"] as? String == "lasso")
        #expect(!a.stderr.contains("--linear-path-start lasso starts it"))   // 3 variables × max lag 2: plenty of windows per input
        // few training windows per input (3 variables × max lag 40 = 120 inputs, 185 windows): the default compares the
        // lasso with the own lags and says which it took and why; an explicit autoregressive start gets a note
        let short = try runCLI(["run", "--data", csv, "--out", f.path + "/s", "--max-lag", "40", "--steps", "2", "--binarize", "auto"])
        #expect(short.status == 0 && short.stderr.contains("185 training windows for 120 inputs; cross-validated error"), "\(short.stderr)")
        let rule = try #require(try provenance(f.path + "/s")["linear_path_start_rule"] as? String)
        let lassoError = try provenance(f.path + "/s")["lasso_cv_error"] as? Double
        #expect(rule.hasPrefix("auto: 185 training windows") && lassoError != nil)
        let explicit = try runCLI(["run", "--data", csv, "--out", f.path + "/e", "--max-lag", "40", "--steps", "2", "--binarize", "auto",
                                   "--linear-path-start", "autoregressive"])
        #expect(explicit.stderr.contains("note: 185 training windows for 120 inputs") && explicit.stderr.contains("--linear-path-start lasso"),
                "\(explicit.stderr)")
        let scoresA = try Data(contentsOf: URL(fileURLWithPath: f.path + "/a/scores.npy"))
        let scoresZ = try Data(contentsOf: URL(fileURLWithPath: f.path + "/z/scores.npy"))
        let scoresV = try Data(contentsOf: URL(fileURLWithPath: f.path + "/v/scores.npy"))
        #expect(scoresA != scoresZ && scoresV != scoresA && scoresV != scoresZ)
        let bad = try runCLI(run(csv, f.path + "/b", ["--linear-path-start", "ols"]))
        #expect(bad.status != 0 && bad.stderr.contains("--linear-path-start"))
        #expect(!FileManager.default.fileExists(atPath: f.path + "/b"))
    }

    @Test func generateWithTwoVariablesDefaultsToInDegreeTwo() throws {
        let f = TempFolder()
        let r = try runCLI(["generate", "--variables", "2", "--samples", "100", "--out", f.path + "/g"])
        #expect(r.status == 0, "\(r.stderr)")
        let truth = try String(contentsOfFile: f.path + "/g/truth.csv", encoding: .utf8)
        #expect(truth.split(separator: "\n").count == 1 + 2 * 2)   // header + 2 parents for each of 2 targets
    }

    @Test func badTruthFileFailsBeforeTraining() throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(200))
        let truth = f.file("truth.csv", "source,target,lag\na,b,1\na,q,2\n")
        try expectFailure(run(csv, f.path + "/out", ["--truth", truth]), ["truth.csv", "line 3", "'q'"], out: f.path + "/out")
    }

    @Test(arguments: [(["--lags", "3"], "--max-lag"), (["--output", "x"], "--out"), (["--output=x"], "--out"),
                      (["-o", "x"], "--out"), (["--alpha", "0.05"], "--binarize")])
    func habitualFlagsNameCausewaysFlag(extra: [String], flag: String) throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(200))
        let r = try runCLI(["run", "--data", csv] + extra + ["--out", f.path + "/out"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("'\(extra[0].split(separator: "=")[0])'") && r.stderr.contains("Causeway calls it \(flag)"), "\(r.stderr)")
        #expect(!r.stderr.contains("Did you mean '--data'"))
        #expect(!FileManager.default.fileExists(atPath: f.path + "/out"))
    }

    @Test func earlierResultsAreKeptUnlessOverwrite() throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(300))
        let out = f.path + "/out"
        let first = try runCLI(run(csv, out, ["--binarize", "auto"]))
        #expect(first.status == 0, "\(first.stderr)")
        let graph = try Data(contentsOf: URL(fileURLWithPath: out + "/graph.json"))
        try Data("stale".utf8).write(to: URL(fileURLWithPath: out + "/metrics.json"))
        // a second run into the same folder is refused before anything is written
        let second = try runCLI(run(csv, out, ["--binarize", "auto", "--seed", "5"]))
        #expect(second.status != 0)
        #expect(second.stderr.contains("--out \(out)") && second.stderr.contains("graph.json") && second.stderr.contains("--overwrite"),
                "\(second.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/graph.json")) == graph)
        // discover into the run's folder keeps the checkpoint it reads, and also needs --overwrite
        let refused = try runCLI(["discover", "--checkpoint", out + "/checkpoint.cwck", "--data", csv, "--out", out, "--binarize", "auto"])
        #expect(refused.status != 0 && refused.stderr.contains("--overwrite"))
        let d = try runCLI(["discover", "--checkpoint", out + "/checkpoint.cwck", "--data", csv, "--out", out,
                            "--binarize", "auto", "--overwrite"])
        #expect(d.status == 0, "\(d.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/checkpoint.cwck"))
        #expect(!FileManager.default.fileExists(atPath: out + "/metrics.json"), "a stale metrics.json is left beside new results")
        // --overwrite replaces the run, and an earlier --per-domain run's graphs go too
        try FileManager.default.createDirectory(atPath: out + "/domains/old", withIntermediateDirectories: true)
        try Data(#"{"provenance": {"domain": "old"}}"#.utf8).write(to: URL(fileURLWithPath: out + "/domains/old/graph.json"))
        try FileManager.default.createDirectory(atPath: out + "/domains/mine", withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: out + "/domains/mine/keep.txt"))
        try Data("{}".utf8).write(to: URL(fileURLWithPath: out + "/domains/mine/graph.json"))   // the user's, not a per-domain graph
        let third = try runCLI(run(csv, out, ["--binarize", "auto", "--seed", "5", "--overwrite"]))
        #expect(third.status == 0, "\(third.stderr)")
        let prov = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/graph.json"))) as? [String: Any])?["provenance"] as? [String: Any])
        #expect(prov["seed"] as? Int == 5)
        #expect(!FileManager.default.fileExists(atPath: out + "/domains/old"))
        #expect(FileManager.default.fileExists(atPath: out + "/domains/mine/keep.txt"), "a file Causeway did not write was removed")
        #expect(FileManager.default.fileExists(atPath: out + "/domains/mine/graph.json"), "a graph.json Causeway did not write was removed")
        // wall time covers the whole run: at least training plus readout plus tests
        let wall = try #require(prov["wall_time_s"] as? Double), parts = ["training_s", "readout_s", "significance_s"]
            .compactMap { prov[$0] as? Double }.reduce(0, +)
        #expect(wall >= parts - 0.02, "wall_time_s \(wall) < the sum of its parts \(parts)")
        // the end-of-run lines say where the files are
        #expect(third.stdout.contains("files in \(out)/") && third.stdout.contains("graph.npz") && third.stdout.contains("report.html"))
    }

    @Test func refusedOverwriteKeepsTheEarlierRun() throws {
        let f = TempFolder()
        let (csv, out) = try finishedRun(f)
        let before = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        let graph = try Data(contentsOf: URL(fileURLWithPath: out + "/graph.json"))
        // errors found when the trainer is built (shards, batch) or a checkpoint restored come
        // before --overwrite removes anything
        try expectFailure(run(csv, out, ["--overwrite", "--shard", "domain", "--shards", "2"]), ["--shard domain"])
        try expectFailure(run(csv, out, ["--overwrite", "--shards", "2", "--batch", "1"]), ["--batch 1"])
        try expectFailure(run(csv, out, ["--overwrite", "--steps", "30", "--resume", out + "/checkpoint.cwck"]), ["checkpoint"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/graph.json")) == graph)
        // ... and a fresh --out is not created (no empty train_log.jsonl is left behind)
        try expectFailure(run(csv, f.path + "/fresh", ["--shards", "2", "--batch", "1"]), ["--batch 1"], out: f.path + "/fresh")
    }

    @Test func aResumedRunContinuesOnlyInItsOwnFolder() throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(300))
        let a = f.path + "/a", b = f.path + "/b"
        #expect(try runCLI(run(csv, a, ["--binarize", "auto", "--steps", "20", "--truth", f.file("t.csv", "source,target,lag\na,b,1\n")])).status == 0)
        #expect(try runCLI(run(csv, b, ["--binarize", "auto", "--steps", "10"])).status == 0)
        let graph = try Data(contentsOf: URL(fileURLWithPath: a + "/graph.json"))
        // b's checkpoint into a's folder: refused (it mixed two runs' files)
        try expectFailure(run(csv, a, ["--binarize", "auto", "--steps", "10", "--resume", b + "/checkpoint.cwck"]),
                          ["--out \(a): holds the results of another run", "checkpoint's own folder"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: a + "/graph.json")) == graph)
        // with --overwrite the earlier run goes, no stale file of it stays
        let r = try runCLI(run(csv, a, ["--binarize", "auto", "--steps", "10", "--resume", b + "/checkpoint.cwck", "--overwrite"]))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: a + "/metrics.json"), "a stale metrics.json of the earlier run")
        // in its own folder a resumed run goes on
        #expect(try runCLI(run(csv, b, ["--binarize", "auto", "--steps", "10", "--resume", b + "/checkpoint.cwck"])).status == 0)
        // in a new folder its log starts with the checkpoint's run's log (the report's whole curve)
        #expect(try runCLI(run(csv, f.path + "/c", ["--binarize", "auto", "--steps", "10", "--resume", b + "/checkpoint.cwck"])).status == 0)
        let logB = try String(contentsOfFile: b + "/train_log.jsonl", encoding: .utf8)
        let logC = try String(contentsOfFile: f.path + "/c/train_log.jsonl", encoding: .utf8)
        #expect(!logB.isEmpty && logC.hasPrefix(logB.split(separator: "\n").first.map(String.init) ?? "?"), "\(logC)")
    }

    @Test func aStoppedRunsFolderPointsToResume() throws {
        let f = TempFolder()
        let (csv, out) = try finishedRun(f, steps: 10)
        for name in ["graph.json", "scores.npy", "pvalues.npy", "qvalues.npy", "impact.npy", "adjacency.csv", "graph.dot", "graph.npz",
                     "graph.graphml", "report.html"] { try? FileManager.default.removeItem(atPath: out + "/" + name) }
        try expectFailure(run(csv, out, ["--binarize", "auto", "--steps", "10"]), ["continue it with --resume \(out)/checkpoint.cwck"])
    }

    @Test func runInterruptedBeforeItsFirstCheckpointCanStartAgain() throws {
        // a killed or preempted job leaves only its training log; the requeued job runs the same
        // command (no --resume, since there is no checkpoint) and must not be refused
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(300))
        let out = f.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        f.file("out/train_log.jsonl", #"{"interrupted_run": true}"# + "\n")
        let r = try runCLI(run(csv, out, ["--binarize", "auto", "--steps", "20"]))
        #expect(r.status == 0, "\(r.stderr)")
        let log = try String(contentsOfFile: out + "/train_log.jsonl", encoding: .utf8)
        #expect(!log.contains("interrupted_run") && log.contains("step"), "the interrupted run's log is replaced, not appended to")
    }

    @Test func perDomainFoldersAreDistinctAndTinyDomainsAreNamed() throws {
        let f = TempFolder()
        for name in ["a", "b", "c"] { f.file("\(name).csv", header + rows(300)) }
        f.file("tiny.csv", header + rows(8))
        let m = f.file("m.json", #"{"variables": ["a","b","c"], "domains": [{"name":"../evil","path":"a.csv"}, "#
            + #"{"name":"site A/2","path":"b.csv"}, {"name":"domain0","path":"c.csv"}, {"name":"tiny","path":"tiny.csv"}]}"#)
        let out = f.path + "/out"
        let r = try runCLI(run(m, out, ["--max-lag", "2", "--steps", "20", "--per-domain"]))
        #expect(r.status == 0, "\(r.stderr)")
        let folders = try FileManager.default.contentsOfDirectory(atPath: out + "/domains").sorted()
        #expect(folders == ["___evil", "domain0", "site_A_2"], "\(folders)")
        for d in folders {
            let g = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/domains/\(d)/graph.json"))) as? [String: Any]
            #expect((g?["provenance"] as? [String: Any])?["domain"] as? String != nil)
        }
        #expect(!FileManager.default.fileExists(atPath: f.path + "/evil"))
        #expect(r.stdout.contains("domain tiny: no graph"), "\(r.stdout)")
        // the shared graph says where the per-domain graphs are
        let g = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/graph.json"))) as? [String: Any]
        let perDomain = (g?["provenance"] as? [String: Any])?["per_domain"] as? String ?? ""
        #expect(perDomain.contains("../evil: domains/___evil/") && perDomain.contains("site A/2: domains/site_A_2/")
                && perDomain.contains("tiny: no graph"), "\(perDomain)")
        #expect(try String(contentsOfFile: out + "/report.html", encoding: .utf8).contains("domains/site_A_2/"))
    }

    @Test func heldOutWindowsLostToMissingCellsAreRefusedBeforeTraining() throws {
        // the last rows of one column are missing: --missing drop-windows leaves no held-out
        // window for the tests; refused before training, nothing written
        let f = TempFolder()
        let lines = (0..<400).map { t in "\(sin(Double(t))),\(cos(Double(t) * 0.7)),\(t >= 300 ? "" : String(Double(t % 7) * 0.1))" }
        let csv = f.file("tail.csv", header + lines.joined(separator: "\n") + "\n")
        try expectFailure(run(csv, f.path + "/out", ["--missing", "drop-windows"]),
                          ["0 held-out window(s)", "touch a missing cell", "--binarize auto", "the held-out rows have missing cells in 'c'",
                           "--drop-columns c"], out: f.path + "/out")
    }

    @Test func discoverChecksTheValuesNotJustTheShape() throws {
        let f = TempFolder()
        let (csv, out) = try finishedRun(f)
        let ck = out + "/checkpoint.cwck"
        // the same numbers under another file name (and delimiter): accepted
        let renamed = f.file("renamed.csv", (header + rows(300)).replacingOccurrences(of: ",", with: ";"))
        let same = try runCLI(["discover", "--checkpoint", ck, "--data", renamed, "--out", f.path + "/same", "--binarize", "auto"])
        #expect(same.status == 0, "\(same.stderr)")
        // same names, columns and rows, other values: refused, saying so
        let noise = f.file("noise.csv", header + (0..<300).map { t in "\(sin(Double(t) * 2.1)),\(cos(Double(t) * 0.3)),\(Double(t % 5) * 0.2)" }
            .joined(separator: "\n") + "\n")
        try expectFailure(["discover", "--checkpoint", ck, "--data", noise, "--out", f.path + "/x"], ["trained on other data", "the values differ"],
                          out: f.path + "/x")
        // the same file with other preprocessing: refused, for discover and for --resume
        try expectFailure(["discover", "--checkpoint", ck, "--data", csv, "--out", f.path + "/y", "--detrend"], ["the values differ", "--detrend"],
                          out: f.path + "/y")
        try expectFailure(run(csv, f.path + "/z", ["--binarize", "auto", "--steps", "20", "--detrend", "--resume", ck]), ["the values differ"],
                          out: f.path + "/z")
    }

    @Test func settingsThatCannotWorkAreSaid() throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(300))
        let r = try runCLI(run(csv, f.path + "/out", ["--binarize", "auto", "--batch", "100000", "--warmup", "500"]))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: --batch 100000 is more than the") && r.stderr.contains("warning: --warmup 500 is not below"), "\(r.stderr)")
    }

    @Test func truthBeyondTheMaxLagIsNotedBeforeTraining() throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(300))
        let truth = f.file("truth.csv", "source,target,lag\na,b,1\na,c,4\n")
        let r = try runCLI(["run", "--data", csv, "--out", f.path + "/out", "--max-lag", "2", "--steps", "10", "--binarize", "auto", "--truth", truth])
        #expect(r.status == 0, "\(r.stderr)")
        let note = try #require(r.stderr.range(of: "note: 1 edge of --truth has a lag beyond --max-lag 2 (up to 4)"))
        #expect(note.lowerBound < (r.stderr.range(of: "training:")?.lowerBound ?? r.stderr.endIndex), "the note comes before training")
    }

    @Test func aColumnMostlyMissingIsNamedForDropColumns() throws {
        let f = TempFolder()
        let csv = f.file("na.csv", "a,b,c,empty\n" + (0..<200).map { t in "\(sin(Double(t))),\(cos(Double(t) * 0.7)),\(Double(t % 7) * 0.1)," }
            .joined(separator: "\n") + "\n")
        try expectFailure(run(csv, f.path + "/out", ["--max-lag", "2"]), ["'empty' is missing in 200 of 200 rows", "--drop-columns empty"],
                          out: f.path + "/out")
        // --missing drop-windows then leaves no window: the same advice, not only "a longer series"
        try expectFailure(run(csv, f.path + "/out", ["--max-lag", "2", "--missing", "drop-windows"]),
                          ["0 training windows", "'empty' is missing in 200 of 200 rows", "--drop-columns empty"], out: f.path + "/out")
    }

    @Test func eachDomainHasItsOwnTimeRange() throws {
        let f = TempFolder()
        func domain(_ start: Int) -> String {
            "day,a,b,c\n" + (0..<300).map { t in
                "\(start + t),\(sin(Double(t))),\(cos(Double(t) * 0.7)),\(Double(t % 7) * 0.1)"
            }.joined(separator: "\n") + "\n"
        }
        f.file("early.csv", domain(0))
        f.file("late.csv", domain(5000))
        let m = f.file("m.json", #"{"variables": ["a","b","c"], "domains": [{"name":"early","path":"early.csv"},{"name":"late","path":"late.csv"}]}"#)
        let out = f.path + "/out"
        let r = try runCLI(run(m, out, ["--time-column", "day", "--steps", "20", "--per-domain"]))
        #expect(r.status == 0, "\(r.stderr)")
        func time(_ path: String) throws -> String {
            let g = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            return (g?["provenance"] as? [String: Any])?["time"] as? String ?? ""
        }
        let all = try time(out + "/graph.json")
        #expect(all.contains("early: day: 0 … 299") && all.contains("late: day: 5000 … 5299"), "\(all)")
        #expect(try time(out + "/domains/late/graph.json").hasPrefix("day: 5000 … 5299"))
    }

    @Test func generateRefusesAFolderWithFilesUnlessOverwrite() throws {
        let f = TempFolder()
        let out = f.path + "/g"
        #expect(try runCLI(["generate", "--variables", "3", "--samples", "100", "--domains", "3", "--out", out]).status == 0)
        f.file("g/notes.txt", "mine")
        f.file("g/domain10.csv", "a user's file that looks generated")
        let manifest = try Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))
        try expectFailure(["generate", "--variables", "3", "--samples", "100", "--out", out], ["--out \(out): holds files", "--overwrite"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json")) == manifest)
        // --overwrite: the earlier dataset's files go (no stale domain1/2.csv beside the new .npy), others stay
        let r = try runCLI(["generate", "--variables", "3", "--samples", "100", "--format", "npy", "--out", out, "--overwrite"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted()
                == ["config.json", "domain0.npy", "domain10.csv", "manifest.json", "notes.txt", "truth.csv"])
    }

    @Test func outUnderAFileNamesTheFile() throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(200))
        try expectFailure(run(csv, csv + "/sub", ["--steps", "5"]), ["--out \(csv)/sub", "\(csv) is a file, not a folder"])
    }

    @Test func corruptCheckpointIsRefused() throws {
        let f = TempFolder()
        let csv = f.file("d.csv", header + rows(200))
        let ck = f.file("ck.cwck", "CAUSEWAY garbage garbage garbage")
        try expectFailure(run(csv, f.path + "/out", ["--resume", ck]), ["ck.cwck"], out: f.path + "/out")
    }
}

#if canImport(Glibc)
import Glibc
#endif
