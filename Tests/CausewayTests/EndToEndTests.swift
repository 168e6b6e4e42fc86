import Foundation
import Testing
@testable import Causeway

/// generate → run on a linear system with a known graph, through the real CLI.
/// Budget is small (debug build): 5 variables, max lag 3, in-degree 2, 4000 samples.
@Suite struct EndToEndTests {
    @Test func scoreRulesRunWithoutTestsOnShortData() throws {
        // 40 rows with 10% held out: too few windows for tests; auto still gives a graph, warns,
        // and writes no p-values; the default rule refuses (CLIErrorTests)
        let f = TempFolder()
        let rows = (0..<40).map { t in "\(sin(Double(t))),\(cos(Double(t) * 0.7)),\(Double(t % 7) * 0.1)" }
        let csv = f.file("d.csv", "a,b,c\n" + rows.joined(separator: "\n") + "\n")
        let r = try runCLI(["run", "--data", csv, "--out", f.path + "/out", "--max-lag", "2", "--steps", "2", "--quiet",
                            "--validation-fraction", "0.1", "--binarize", "auto"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("per-edge tests skipped"))
        #expect(FileManager.default.fileExists(atPath: f.path + "/out/graph.json"))
        #expect(!FileManager.default.fileExists(atPath: f.path + "/out/pvalues.npy"))
    }

    @Test func linearGraphIsRecovered() throws {
        let f = TempFolder()
        let gen = try runCLI(["generate", "--family", "linear", "--variables", "5", "--max-lag", "3",
                              "--in-degree", "2", "--samples", "4000", "--seed", "1", "--out", f.path + "/data"])
        #expect(gen.status == 0, "\(gen.stderr)")
        let out = f.path + "/run"
        let args = ["run", "--data", f.path + "/data/manifest.json", "--max-lag", "3", "--out", out,
                    "--truth", f.path + "/data/truth.csv", "--top-k", "2", "--d-model", "32", "--heads", "4",
                    "--layers", "1", "--batch", "32", "--epochs", "12", "--lr", "1e-2", "--patience", "0",
                    "--eval-samples", "300", "--quiet"]
        let r = try runCLI(args)
        #expect(r.status == 0, "\(r.stderr)")

        // outputs: scores [L, p, p], graph with p·k edges, metrics
        let npy = FileManager.default.contents(atPath: out + "/scores.npy")!
        #expect(String(decoding: npy.prefix(128), as: UTF8.self).contains("'shape': (3, 5, 5)"))
        #expect(npy.count % 64 == (3 * 5 * 5 * 4) % 64)
        let graph = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/graph.json"))) as! [String: Any]
        #expect((graph["edges"] as! [Any]).count == 10)
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json"))) as! [String: Any]
        let f1 = (metrics["lagged"] as! [String: Any])["f1"] as! Double
        #expect(f1 >= 0.9, "lagged F1 \(f1)")
        #expect(FileManager.default.fileExists(atPath: out + "/checkpoint.cwck"))
        #expect(FileManager.default.fileExists(atPath: out + "/train_log.jsonl"))

        for name in ["adjacency.csv", "graph.dot", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name), "\(name) missing")
        }

        // discover: another attribution from the same checkpoint, auto binarization
        let d = try runCLI(["discover", "--checkpoint", out + "/checkpoint.cwck", "--data", f.path + "/data/manifest.json",
                            "--out", f.path + "/grad", "--attribution", "gradient", "--truth", f.path + "/data/truth.csv",
                            "--eval-samples", "300"])
        #expect(d.status == 0, "\(d.stderr)")
        let g2 = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: f.path + "/grad/graph.json"))) as! [String: Any]
        // the default rule: FDR 0.05 on the held-out tests, stated in graph.json and on the terminal
        #expect(g2["attribution"] as? String == "gradient" && g2["binarize"] as? String == "fdr:0.05")
        let decision = try #require(g2["decision"] as? [String: Any])
        #expect(decision["rule"] as? String == "fdr:0.05" && decision["fdr_method"] as? String == "bh")
        #expect(decision["candidates"] as? Int == 75 && (decision["held_out_windows"] as? Int ?? 0) >= 300)
        // the default null draws per window follow the held-out windows
        let heldOut = decision["held_out_windows"] as? Int ?? 0
        #expect(decision["null_repeats"] as? Int == PredictiveImpact.defaultRepeats(heldOutWindows: heldOut))
        let edges2 = try #require(g2["edges"] as? [[String: Any]])
        #expect(!edges2.isEmpty)
        for e in edges2 {
            let q = try #require(e["q_value"] as? Double), p = try #require(e["p_value"] as? Double)
            #expect(q <= 0.05 && p <= q)
        }
        #expect(d.stdout.contains("decision: fdr:0.05") && d.stdout.contains("q = "))
        let pv = try NPYScores.read(path: f.path + "/grad/pvalues.npy", maxLag: 3, variables: 5)
        #expect(pv.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        let m2 = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: f.path + "/grad/metrics.json"))) as! [String: Any]
        let f1Default = (m2["lagged"] as! [String: Any])["f1"] as! Double
        #expect(f1Default >= 0.9, "lagged F1 of the default rule \(f1Default)")
        // discover refuses other data
        let other = try runCLI(["generate", "--variables", "4", "--samples", "500", "--out", f.path + "/other"])
        #expect(other.status == 0)
        let refused = try runCLI(["discover", "--checkpoint", out + "/checkpoint.cwck", "--data", f.path + "/other/manifest.json",
                                  "--out", f.path + "/nope"])
        #expect(refused.status != 0 && refused.stderr.contains("trained on other data") && refused.stderr.contains("variables"),
                "\(refused.stderr)")
        // evaluate recomputes the run's metrics from its files
        let before = FileManager.default.contents(atPath: out + "/metrics.json")
        let e = try runCLI(["evaluate", "--run", out, "--truth", f.path + "/data/truth.csv"])
        #expect(e.status == 0 && e.stdout.contains("lagged"))
        #expect(FileManager.default.contents(atPath: out + "/metrics.json") == before)

        // the same seed gives bit-identical scores
        let again = try runCLI(args.map { $0 == out ? out + "2" : $0 })
        #expect(again.status == 0)
        #expect(FileManager.default.contents(atPath: out + "/scores.npy") == FileManager.default.contents(atPath: out + "2/scores.npy"))
        #expect(FileManager.default.contents(atPath: out + "/pvalues.npy") == FileManager.default.contents(atPath: out + "2/pvalues.npy"))
    }
}
