import Foundation
import Testing
@testable import Causeway

/// The CLI under `mpirun -n 2` (what users launch): the same result as one process, and a
/// failure on one rank ends the whole job.
@Suite(.serialized) struct MultiRankTests {
    func data(_ f: TempFolder) throws -> String { try smallGeneratedDataset(f) }

    func train(_ data: String, _ out: String) -> [String] {
        ["run", "--data", data, "--max-lag", "2", "--out", out, "--d-model", "16", "--heads", "2", "--layers", "1",
         "--batch", "32", "--steps", "60", "--eval-samples", "100", "--quiet"]
    }

    @Test func twoRanksMatchOneProcess() throws {
        // one process with 2 threads and 2 data shards (the 2-rank default) splits each batch
        // 16/16 over two replicas; two ranks with one thread each split it the same way:
        // gradients, parameters and scores are bit-identical
        let f = TempFolder()
        let d = try data(f)
        let one = try runCLI(train(d, f.path + "/one") + ["--shards", "2"], threads: 2)
        #expect(one.status == 0, "\(one.stderr)")
        let two = try runCLI(train(d, f.path + "/two"), ranks: 2, threads: 1)
        #expect(two.status == 0, "\(two.stderr)")
        // the significance tests too: p-values, q-values, effect sizes and the decided graph
        for name in ["scores.npy", "checkpoint.cwck", "adjacency.csv", "pvalues.npy", "qvalues.npy", "impact.npy",
                     "graph.npz", "graph.graphml"] {
            let a = FileManager.default.contents(atPath: f.path + "/one/" + name)
            #expect(a != nil && a == FileManager.default.contents(atPath: f.path + "/two/" + name), "\(name) differs")
        }
        // bucketed non-blocking all-reduce during backward: the same sums, the same bits
        let overlapped = try runCLI(train(d, f.path + "/overlap") + ["--overlap-allreduce"], ranks: 2, threads: 1)
        #expect(overlapped.status == 0, "\(overlapped.stderr)")
        for name in ["scores.npy", "checkpoint.cwck"] {
            #expect(FileManager.default.contents(atPath: f.path + "/two/" + name)
                    == FileManager.default.contents(atPath: f.path + "/overlap/" + name), "\(name) differs with overlap")
        }
        let graph = try String(contentsOfFile: f.path + "/two/graph.json", encoding: .utf8)
        #expect(graph.contains("\"ranks\" : 2"))
        // only the coordinator prints
        #expect(two.stdout.components(separatedBy: "graph:").count == 2)
    }

    @Test func screenedInputsAreTheSameOnEveryLayout() throws {
        // 26 variables × max lag 4 = 104 inputs > 100: only the screened candidates are tested,
        // the screen is chosen on the coordinator and broadcast; same p-values as one process
        let f = TempFolder()
        let g = try runCLI(["generate", "--variables", "26", "--max-lag", "2", "--in-degree", "2", "--samples", "1200",
                            "--seed", "6", "--out", f.path + "/data"])
        #expect(g.status == 0, "\(g.stderr)")
        let args = ["run", "--data", f.path + "/data/manifest.json", "--max-lag", "4", "--d-model", "16", "--heads", "2",
                    "--layers", "1", "--batch", "32", "--steps", "40", "--eval-samples", "64", "--quiet"]
        let one = try runCLI(args + ["--out", f.path + "/one", "--shards", "2"], threads: 2)
        #expect(one.status == 0, "\(one.stderr)")
        let two = try runCLI(args + ["--out", f.path + "/two"], ranks: 2, threads: 1)
        #expect(two.status == 0, "\(two.stderr)")
        for name in ["pvalues.npy", "qvalues.npy", "scores.npy", "adjacency.csv"] {
            let a = FileManager.default.contents(atPath: f.path + "/one/" + name)
            #expect(a != nil && a == FileManager.default.contents(atPath: f.path + "/two/" + name), "\(name) differs")
        }
        // exactly the screened candidates are tested: a p-value where the family has a q-value
        let p = try NPYScores.read(path: f.path + "/two/pvalues.npy", maxLag: 4, variables: 26)
        let q = try NPYScores.read(path: f.path + "/two/qvalues.npy", maxLag: 4, variables: 26)
        let tested = p.values.filter { !$0.isNaN }.count
        #expect(tested > 0 && tested < p.values.count, "\(tested) tested")
        #expect(p.values.indices.allSatisfy { p.values[$0].isNaN == q.values[$0].isNaN })
    }

    @Test func resultsDependOnTheShardsNotTheRanks() throws {
        // two domains: --shard domain gives each rank one whole domain
        let f = TempFolder()
        let g = try runCLI(["generate", "--variables", "4", "--max-lag", "2", "--in-degree", "2", "--samples", "800",
                            "--domains", "2", "--seed", "5", "--out", f.path + "/data"])
        #expect(g.status == 0, "\(g.stderr)")
        let d = f.path + "/data/manifest.json"
        let runs: [(String, [String], Int, Int)] = [
            ("one-shared", [], 1, 2), ("two-shared", ["--shards", "1"], 2, 1),
            ("one-domain", ["--shard", "domain", "--shards", "2"], 1, 2), ("two-domain", ["--shard", "domain"], 2, 1),
        ]
        for (name, extra, ranks, threads) in runs {
            let r = try runCLI(train(d, f.path + "/" + name) + extra + ["--per-domain", "--truth", f.path + "/data/truth.csv"],
                               ranks: ranks, threads: threads)
            #expect(r.status == 0, "\(name): \(r.stderr)")
        }
        func bytes(_ run: String, _ file: String) -> Data? { FileManager.default.contents(atPath: f.path + "/\(run)/\(file)") }
        for file in ["scores.npy", "checkpoint.cwck", "pvalues.npy", "adjacency.csv", "domains/domain0/scores.npy",
                     "domains/domain0/pvalues.npy", "domains/domain1/adjacency.csv"] {
            #expect(bytes("one-shared", file) != nil && bytes("one-shared", file) == bytes("two-shared", file), "--shards 1: \(file) differs")
            #expect(bytes("one-domain", file) != nil && bytes("one-domain", file) == bytes("two-domain", file), "--shard domain: \(file) differs")
        }
        // per-domain graphs with their metrics, and the validation loss of each domain in the log
        #expect(bytes("two-domain", "domains/domain1/metrics.json") != nil)
        let log = try String(contentsOfFile: f.path + "/two-domain/train_log.jsonl", encoding: .utf8)
        let first = try #require(log.split(separator: "\n").first)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        let byDomain = try #require(record["val_loss_by_domain"] as? [Double])
        let total = try #require(record["val_loss"] as? Double)
        #expect(byDomain.count == 2 && byDomain.allSatisfy { $0 > 0 })
        #expect(total >= byDomain.min()! && total <= byDomain.max()!)   // a weighted mean of the two
        // a different shard layout is a different (equally valid) trajectory
        #expect(bytes("one-shared", "checkpoint.cwck") != bytes("one-domain", "checkpoint.cwck"))
    }

    @Test func moreThreadsThanCoresAreFlagged() throws {
        let f = TempFolder()
        let d = try data(f)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let over = try runCLI(train(d, f.path + "/over"), ranks: 2, threads: cores)
        #expect(over.status == 0, "\(over.stderr)")
        #expect(over.stderr.contains("2 ranks on this node × \(cores) threads each exceed its \(cores) cores"), "\(over.stderr)")
        if cores >= 2 {
            let fits = try runCLI(train(d, f.path + "/fits"), ranks: 2, threads: 1)
            #expect(fits.status == 0 && !fits.stderr.contains("exceed its"), "\(fits.stderr)")
        }
    }

    @Test func aFailingRankAbortsTheJob() throws {
        let f = TempFolder()
        let d = try data(f)
        let start = Date()
        let r = try runCLI(train(d, f.path + "/out"), ranks: 2, environment: ["CAUSEWAY_INJECT_FAILURE": "1:5"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("rank 1: injected failure at step 5"))
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(!FileManager.default.fileExists(atPath: f.path + "/out/graph.json"))
    }
}

/// Input errors under `mpirun -n 2`: whether every rank finds the error or only one (the
/// coordinator, which alone checks --out), the job ends at once with status 1 and one message,
/// without an MPI abort (srun reports an aborted step as killed), and --out is left as it was.
@Suite(.serialized) struct MultiRankInputErrorTests {
    func expectOneCleanError(_ r: (status: Int32, stdout: String, stderr: String), _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 1, "exit status \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.components(separatedBy: fragment).count == 2, "'\(fragment)' once in: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(!r.stderr.contains("Abort") && !r.stderr.contains("rank 1:"), "\(r.stderr)", sourceLocation: sourceLocation)
    }

    @Test func everyRankFindsTheError() throws {
        let f = TempFolder()
        let ragged = f.file("ragged.csv", "a,b,c\n" + (0..<60).map { "\($0),\($0 % 7),1" }.joined(separator: "\n") + "\n1,2\n")
        let out = f.path + "/out"
        let start = Date()
        expectOneCleanError(try runCLI(["run", "--data", ragged, "--max-lag", "2", "--out", out, "--quiet"], ranks: 2), "ragged.csv")
        // found when the trainer is built, after the data checks
        let d = try smallGeneratedDataset(f)
        expectOneCleanError(try runCLI(["run", "--data", d, "--max-lag", "2", "--out", out, "--batch", "1", "--quiet"], ranks: 2), "--batch 1")
        // a bad flag value: the argument parser's message once, its exit status
        let flag = try runCLI(["run", "--data", d, "--out", out, "--batch", "zero"], ranks: 2)
        #expect(flag.status == 64 && flag.stderr.components(separatedBy: "'zero' is invalid").count == 2, "\(flag.status): \(flag.stderr)")
        #expect(Date().timeIntervalSince(start) < 60)
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func commandsOutsideTheMPIWorkSpeakOnce() throws {
        let f = TempFolder()
        // generate: one rank writes (the ranks raced over the same files)
        let g = try runCLI(["generate", "--variables", "3", "--max-lag", "1", "--samples", "200", "--out", f.path + "/g"], ranks: 2)
        #expect(g.status == 0, "\(g.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.path + "/g").sorted() == ["config.json", "domain0.csv", "manifest.json", "truth.csv"])
        // a bad grid: one message
        let grid = f.file("bad.toml", "samples = [1]\n")
        expectOneCleanError(try runCLI(["study", "--grid", grid, "--out", f.path + "/s"], ranks: 2), "'samples' must hold integers")
    }

    @Test func aDivergedRunEndsWithOneMessageAndNoFolder() throws {
        let f = TempFolder()
        let d = try smallGeneratedDataset(f)
        let args = ["run", "--data", d, "--max-lag", "2", "--steps", "40", "--lr=1e12", "--warmup", "0", "--clip", "0", "--quiet"]
        let one = try runCLI(args + ["--out", f.path + "/one"])
        #expect(one.status == 1 && one.stderr.contains("training diverged"), "\(one.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.path + "/one"), "a failed run left the folder it created")
        expectOneCleanError(try runCLI(args + ["--out", f.path + "/two"], ranks: 2), "training diverged")
        #expect(!FileManager.default.fileExists(atPath: f.path + "/two"))
    }

    @Test func onlyTheCoordinatorFindsTheError() throws {
        let f = TempFolder()
        let d = try smallGeneratedDataset(f)
        let out = f.path + "/out"
        let args = ["run", "--data", d, "--max-lag", "2", "--out", out, "--d-model", "16", "--heads", "2", "--layers", "1",
                    "--steps", "10", "--eval-samples", "100", "--quiet"]
        let first = try runCLI(args)
        #expect(first.status == 0, "\(first.stderr)")
        let graph = try Data(contentsOf: URL(fileURLWithPath: out + "/graph.json"))
        let start = Date()
        expectOneCleanError(try runCLI(args, ranks: 2), "--overwrite")
        #expect(Date().timeIntervalSince(start) < 60)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/graph.json")) == graph)
    }
}

/// SIGTERM to mpirun (what SLURM sends at a time limit): every rank stops at the same step, the
/// coordinator writes a checkpoint, the job exits with StopSignal.exitCode, and `--resume`
/// ends with the same graph as an uninterrupted run.
@Suite(.serialized) struct StopSignalTests {
    @Test func signalCheckpointsAndResumeMatchesAnUninterruptedRun() throws {
        let f = TempFolder()
        let g = try runCLI(["generate", "--variables", "4", "--max-lag", "2", "--samples", "1500", "--seed", "4",
                            "--out", f.path + "/data"])
        #expect(g.status == 0)
        let args = ["run", "--data", f.path + "/data/manifest.json", "--max-lag", "2", "--d-model", "16", "--heads", "2",
                    "--layers", "1", "--batch", "32", "--steps", "3000", "--patience", "0", "--eval-every", "20",
                    "--eval-samples", "100", "--quiet"]
        let out = f.path + "/stopped"
        // start under mpirun, wait until training has logged an evaluation, then SIGTERM mpirun.
        // The test runner starts children with SIGTERM blocked; perl (perl-base, always on Debian)
        // clears the mask before exec'ing mpirun, as a login shell would.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/perl")
        process.arguments = ["-MPOSIX", "-e", "sigprocmask(SIG_SETMASK, POSIX::SigSet->new); exec @ARGV or die",
                             "/usr/bin/mpirun", "-n", "2", causewayBinary().path] + args + ["--out", out]
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        waitForTrainingLog(out)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        // every rank exits with StopSignal.exitCode, but Hydra's mpirun, once signalled itself, does
        // not always pass that on (measured: 75 or 0), so the checkpoint is what proves the stop
        #expect(process.terminationStatus == StopSignal.exitCode || process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: out + "/checkpoint.cwck"))
        #expect(!FileManager.default.fileExists(atPath: out + "/graph.json"))
        let stoppedAt = try Checkpoint.read(path: out + "/checkpoint.cwck").header.state.step
        #expect(stoppedAt > 0 && stoppedAt < 3000)

        let resumed = try runCLI(args + ["--out", out, "--resume", out + "/checkpoint.cwck"], ranks: 2)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let full = try runCLI(args + ["--out", f.path + "/full"], ranks: 2)
        #expect(full.status == 0)
        #expect(FileManager.default.contents(atPath: out + "/scores.npy") == FileManager.default.contents(atPath: f.path + "/full/scores.npy"))
        #expect(FileManager.default.contents(atPath: out + "/adjacency.csv") == FileManager.default.contents(atPath: f.path + "/full/adjacency.csv"))
    }

    @Test func aSignalledProcessExitsWithTheDocumentedCode() throws {
        let f = TempFolder()
        let g = try runCLI(["generate", "--variables", "4", "--max-lag", "2", "--samples", "1500", "--out", f.path + "/data"])
        #expect(g.status == 0)
        let out = f.path + "/run"
        let process = Process()
        process.executableURL = causewayBinary()
        process.arguments = ["run", "--data", f.path + "/data/manifest.json", "--max-lag", "2", "--d-model", "16",
                             "--heads", "2", "--layers", "1", "--batch", "32", "--steps", "5000", "--patience", "0",
                             "--eval-every", "20", "--quiet", "--out", out]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        waitForTrainingLog(out)
        kill(process.processIdentifier, SIGUSR1)   // SLURM's early warning (--signal=B:USR1@…)
        process.waitUntilExit()
        #expect(process.terminationStatus == StopSignal.exitCode)
        #expect(try Checkpoint.read(path: out + "/checkpoint.cwck").header.state.step < 5000)
    }
}

/// Waits (up to a minute) until a run in `out` has logged its first evaluation, i.e. training
/// is under way and the stop-signal handlers are installed.
func waitForTrainingLog(_ out: String) {
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
        if let log = try? String(contentsOfFile: out + "/train_log.jsonl", encoding: .utf8), log.contains("step") { return }
        usleep(50_000)
    }
}
