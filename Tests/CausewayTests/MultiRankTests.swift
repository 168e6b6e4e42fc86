import Foundation
import Testing
@testable import Causeway

/// The CLI under `mpirun -n 2` (what users launch): the same result as one process, and a
/// failure on one rank ends the whole job.
@Suite(.serialized) struct MultiRankTests {
    func data(_ f: TempFolder) throws -> String {
        let g = try runCLI(["generate", "--variables", "4", "--max-lag", "2", "--in-degree", "2", "--samples", "1500",
                            "--seed", "3", "--out", f.path + "/data"])
        #expect(g.status == 0, "\(g.stderr)")
        return f.path + "/data/manifest.json"
    }

    func train(_ data: String, _ out: String) -> [String] {
        ["run", "--data", data, "--max-lag", "2", "--out", out, "--d-model", "16", "--heads", "2", "--layers", "1",
         "--batch", "32", "--steps", "60", "--eval-samples", "100", "--quiet"]
    }

    @Test func twoRanksMatchOneProcess() throws {
        // one process with 2 threads splits each batch 16/16 over two replicas; two ranks with one
        // thread each split it the same way: gradients, parameters and scores are bit-identical
        let f = TempFolder()
        let d = try data(f)
        let one = try runCLI(train(d, f.path + "/one"), threads: 2)
        #expect(one.status == 0, "\(one.stderr)")
        let two = try runCLI(train(d, f.path + "/two"), ranks: 2, threads: 1)
        #expect(two.status == 0, "\(two.stderr)")
        for name in ["scores.npy", "checkpoint.cwck", "adjacency.csv"] {
            let a = FileManager.default.contents(atPath: f.path + "/one/" + name)
            #expect(a != nil && a == FileManager.default.contents(atPath: f.path + "/two/" + name), "\(name) differs")
        }
        let graph = try String(contentsOfFile: f.path + "/two/graph.json", encoding: .utf8)
        #expect(graph.contains("\"ranks\" : \"2\""))
        // only the coordinator prints
        #expect(two.stdout.components(separatedBy: "graph:").count == 2)
    }

    @Test func aFailingRankAbortsTheJob() throws {
        let f = TempFolder()
        let d = try data(f)
        setenv("CAUSEWAY_INJECT_FAILURE", "1:5", 1)
        defer { unsetenv("CAUSEWAY_INJECT_FAILURE") }
        let start = Date()
        let r = try runCLI(train(d, f.path + "/out"), ranks: 2)
        #expect(r.status != 0)
        #expect(r.stderr.contains("rank 1: injected failure at step 5"))
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(!FileManager.default.fileExists(atPath: f.path + "/out/graph.json"))
    }
}
