import Foundation
import Testing
@testable import Causeway

/// `--attribution abcd` end to end: the CLI's outputs, the token convention, the refusal with
/// step tokens, and the same bits on one process and two ranks.
@Suite(.serialized) struct ABCDReadoutTests {
    func data(_ f: TempFolder) throws -> String { try smallGeneratedDataset(f) }

    func run(_ data: String, _ out: String) -> [String] {
        ["run", "--data", data, "--tokens", "variable", "--attribution", "abcd", "--max-lag", "2", "--out", out,
         "--d-model", "16", "--heads", "2", "--layers", "1", "--batch", "32", "--steps", "60", "--eval-samples", "100", "--quiet"]
    }

    @Test func tokenMapReadsLagsBackFromTheForecastTime() throws {
        // p = 2, window W = 3: nodes u·p + j, u = 0…3; present (i, 3) = node 6 + i; lag ℓ of j = (j, 3 − ℓ)
        let map = try ABCD.tokenMap(variables: 2, window: 3)
        #expect(map.maxLag == 3)
        #expect(map.present == [6, 7])
        #expect(map.token(variable: 0, lag: 1) == 4 && map.token(variable: 1, lag: 1) == 5)
        #expect(map.token(variable: 0, lag: 3) == 0 && map.token(variable: 1, lag: 2) == 3)
        #expect(throws: CausewayError.self) { try ABCD.tokenMap(variables: 2, window: 0) }
    }

    @Test func defaultSampleSizeCountsWindowsThatShareNoRow() {
        // 3,000 rows, max lag 3: 2,697 training windows of 4 rows each, 674 disjoint ones
        #expect(ABCD.defaultSampleSize(samples: 1000, trainingWindows: 2697, window: 3) == 674)
        #expect(ABCD.defaultSampleSize(samples: 1000, trainingWindows: 17_995, window: 5) == 1000)
        #expect(ABCD.defaultSampleSize(samples: 300, trainingWindows: 5, window: 3) == 4)
    }

    @Test func quantumKeepsTheSumsExact() {
        #expect(ABCD.quantum(samples: 1000, window: 3) == 0x1p-30)
        // 10,000 samples of entries up to 31² = 961: 9.61e6 · 2^29 < 2^53 ≤ 9.61e6 · 2^30
        #expect(ABCD.quantum(samples: 10_000, window: 30) == 0x1p-29)
        for (n, w) in [(1, 1), (1000, 3), (50_000, 40), (1 << 22, 100)] {
            let q = ABCD.quantum(samples: n, window: w)
            #expect(Double(n) * Double((w + 1) * (w + 1)) / q < 0x1p53 && q <= 0x1p-30 * 0x1p30)
        }
    }

    @Test func runWritesLaggedPValuesAndAGraph() throws {
        let f = TempFolder()
        let d = try data(f)
        let r = try runCLI(run(d, f.path + "/out") + ["--truth", f.path + "/data/truth.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        // --max-lag 2: a window of 2 steps, lags 1…2
        let scores = try NPYScores.read(path: f.path + "/out/scores.npy", maxLag: 2, variables: 4)
        let p = try NPYScores.read(path: f.path + "/out/pvalues.npy", maxLag: 2, variables: 4)
        _ = try NPYScores.read(path: f.path + "/out/qvalues.npy", maxLag: 2, variables: 4)
        #expect(scores.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(p.values.allSatisfy { $0.isNaN || ($0 >= 0 && $0 <= 1) })
        #expect(p.values.contains { !$0.isNaN })
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: f.path + "/out/graph.json"))) as! [String: Any]
        #expect(json["max_lag"] as? Int == 2)
        let decision = json["decision"] as! [String: Any]
        #expect(decision["test"] as? String == ABCD.testName)
        #expect(decision["family"] as? String == "all")
        #expect(decision["fdr_method"] as? String == "by")   // abcd's default: its p-values share one covariance
        #expect(decision["effective_sample_size"] as? Double == 100)
        let provenance = json["provenance"] as! [String: Any]
        for e in json["edges"] as! [[String: Any]] { #expect(e["p_value"] != nil && e["q_value"] != nil) }
        // no held-out predictive-impact tests
        #expect(!FileManager.default.fileExists(atPath: f.path + "/out/impact.npy"))
    }

    @Test func abcdDefaultsToOneBlockOfEightHeads() throws {
        // without --layers / --heads: 1 block, 8 heads (the deepest attention is then the only one);
        // the other readouts keep 2 blocks of 4 heads, and explicit flags win
        let f = TempFolder()
        let d = try data(f)
        func model(_ args: [String], _ name: String) throws -> (config: ModelConfig, stderr: String) {
            let r = try runCLI(["run", "--data", d, "--tokens", "variable", "--max-lag", "2", "--out", f.path + "/" + name,
                                "--d-model", "16", "--batch", "32", "--steps", "2", "--eval-samples", "20", "--binarize", "auto", "--quiet"] + args)
            #expect(r.status == 0, "\(r.stderr)")
            return (try Checkpoint.read(path: f.path + "/" + name + "/checkpoint.cwck").header.model, r.stderr)
        }
        let abcd = try model(["--attribution", "abcd"], "abcd")
        #expect(abcd.config.layers == 1 && abcd.config.heads == 8)
        #expect(abcd.stderr.contains("experimental") && !abcd.stderr.contains("--layers 1"), "\(abcd.stderr)")
        let lrp = try model([], "lrp")
        #expect(lrp.config.layers == 2 && lrp.config.heads == 4)
        let set = try model(["--attribution", "abcd", "--layers", "2", "--heads", "2"], "set")
        #expect(set.config.layers == 2 && set.config.heads == 2)
        // reading the deepest of 2 blocks is warned about
        #expect(set.stderr.contains("2 blocks") && set.stderr.contains("--layers 1"), "\(set.stderr)")
    }

    @Test func stepTokensAreRefused() throws {
        let f = TempFolder()
        let d = try data(f)
        let r = try runCLI(run(d, f.path + "/out").filter { $0 != "variable" && $0 != "--tokens" })
        #expect(r.status != 0)
        #expect(r.stderr.contains("--attribution abcd") && r.stderr.contains("--tokens variable"), "\(r.stderr)")
    }

    @Test func refusalsNameTheCheckpointOrTheFlag() throws {
        let f = TempFolder()
        let d = try data(f)
        // discover with abcd on a step-token checkpoint: names the checkpoint and its tokens, writes nothing
        let step = try runCLI(["run", "--data", d, "--max-lag", "2", "--out", f.path + "/step", "--d-model", "16",
                               "--batch", "32", "--steps", "2", "--eval-samples", "20", "--binarize", "auto", "--quiet"])
        #expect(step.status == 0, "\(step.stderr)")
        let ck = f.path + "/step/checkpoint.cwck"
        let r = try runCLI(["discover", "--checkpoint", ck, "--data", d, "--attribution", "abcd", "--out", f.path + "/d"])
        #expect(r.status != 0)
        #expect(r.stderr.contains(ck) && r.stderr.contains("step tokens") && r.stderr.contains("--tokens variable"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.path + "/d"))
        // too few readout samples for a Fisher z-test: refused, naming the flag
        let few = try runCLI(run(d, f.path + "/few").map { $0 == "100" ? "3" : $0 })
        #expect(few.status != 0)
        #expect(few.stderr.contains("--eval-samples") && few.stderr.contains("at least 4"), "\(few.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.path + "/few"))
    }

    @Test func reportDescribesTheAttentionTests() throws {
        let f = TempFolder()
        let d = try data(f)
        let r = try runCLI(run(d, f.path + "/out"))
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: f.path + "/out/report.html", encoding: .utf8)
        #expect(html.contains("conditional-independence tests on the attention SEM"))
        #expect(html.contains("n of the Fisher z-tests"))
        #expect(!html.contains("tested on windows the model was not trained on") && !html.contains("per-edge tests on held-out windows"))
    }

    @Test func twoRanksMatchOneProcess() throws {
        let f = TempFolder()
        let d = try data(f)
        let one = try runCLI(run(d, f.path + "/one") + ["--shards", "2"], threads: 2)
        #expect(one.status == 0, "\(one.stderr)")
        let two = try runCLI(run(d, f.path + "/two"), ranks: 2, threads: 1)
        #expect(two.status == 0, "\(two.stderr)")
        for name in ["checkpoint.cwck", "scores.npy", "pvalues.npy", "qvalues.npy", "adjacency.csv"] {
            let a = FileManager.default.contents(atPath: f.path + "/one/" + name)
            #expect(a != nil && a == FileManager.default.contents(atPath: f.path + "/two/" + name), "\(name) differs")
        }
    }
}
