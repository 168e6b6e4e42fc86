import Foundation
import Testing
@testable import Causeway

@Suite struct TrainerTests {
    func makeTrainer(steps: Int, seed: UInt64 = 3, tokens: Tokenization = .step, patience: Int = 0,
                     checkpoint: String? = nil, workers: Int = 1) throws -> Trainer {
        let windows = WindowSet(sources: [smallVARSource(), smallVARSource(rows: 300, seed: 2)],
                                maxLag: 3, validationFraction: 0.1)
        var tc = TrainingConfig()
        tc.batch = 16; tc.steps = steps; tc.warmupSteps = 5; tc.seed = seed; tc.patience = patience
        tc.learningRate = 3e-3
        let replicas = ReplicaSet(config: ModelConfig(tokens: tokens, variables: 4, maxLag: 3, dModel: 16, layers: 1, heads: 2),
                                  batch: 16, seed: seed, workers: workers)
        let t = try Trainer(replicas: replicas, windows: windows, config: tc, dataFingerprint: "test", reporter: nil)
        t.checkpointPath = checkpoint
        return t
    }

    @Test func windowsStayInsideDomainsAndSplitByTime() {
        let w = WindowSet(sources: [smallVARSource(rows: 100), smallVARSource(rows: 50)], maxLag: 5, validationFraction: 0.2)
        // domain 0: 80 training rows → starts 0...74; validation targets rows 80...99 → starts 75...94
        #expect(w.train.filter { $0.domain == 0 }.count == 75)
        #expect(w.validation.filter { $0.domain == 0 }.map(\.start) == Array(75...94).map(Int32.init))
        for r in w.train { #expect(Int(r.start) + 5 < w.trainRows[Int(r.domain)]) }
        for r in w.validation { #expect(Int(r.start) + 5 < (r.domain == 0 ? 100 : 50)) }
    }

    @Test func lossDecreases() throws {
        let t = try makeTrainer(steps: 150)
        let before = t.validationLoss()
        let summary = try t.train()
        #expect(summary.steps == 150)
        #expect(t.validationLoss() < 0.6 * before)
    }

    @Test func sameSeedIsBitIdentical() throws {
        let a = try makeTrainer(steps: 30), b = try makeTrainer(steps: 30)
        try a.train(); try b.train()
        #expect(a.model.parameters.array == b.model.parameters.array)
        let c = try makeTrainer(steps: 30, seed: 4)
        try c.train()
        #expect(a.model.parameters.array != c.model.parameters.array)
    }

    @Test(arguments: [Tokenization.step, .variable])
    func threadedReplicasMatchOneThread(tokens: Tokenization) throws {
        // the same global batch split over 3 replicas: same trajectory up to summation order,
        // and bit-identical between repeated threaded runs
        let one = try makeTrainer(steps: 20, tokens: tokens, workers: 1)
        let three = try makeTrainer(steps: 20, tokens: tokens, workers: 3)
        let again = try makeTrainer(steps: 20, tokens: tokens, workers: 3)
        #expect(three.replicas.workers == 3)
        try one.train(); try three.train(); try again.train()
        #expect(three.model.parameters.array == again.model.parameters.array)
        let a = one.model.parameters.array, b = three.model.parameters.array
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-3, "largest parameter difference \(worst)")
        #expect(isClose(one.validationLoss(), three.validationLoss(), rel: 1e-3, abs: 1e-6))
    }

    @Test(arguments: [Tokenization.step, .variable])
    func resumeIsBitIdentical(tokens: Tokenization) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cw-resume-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let full = try makeTrainer(steps: 40, tokens: tokens)
        try full.train()

        let first = try makeTrainer(steps: 40, tokens: tokens, checkpoint: dir + "/ck")
        first.stopAtStep = 23   // mid-epoch, between evaluations
        try first.train()
        let second = try makeTrainer(steps: 40, tokens: tokens)
        try second.restore(from: try Checkpoint.read(path: dir + "/ck"), path: dir + "/ck")
        try second.train()
        #expect(second.state == full.state)
        #expect(second.model.parameters.array == full.model.parameters.array)
    }

    @Test func corruptAndMismatchedCheckpointsAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cw-ck-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try makeTrainer(steps: 5, checkpoint: dir + "/ck")
        try t.train()
        var bytes = [UInt8](FileManager.default.contents(atPath: dir + "/ck")!)
        bytes[bytes.count / 2] ^= 0xFF
        FileManager.default.createFile(atPath: dir + "/bad", contents: Data(bytes))
        #expect(throws: CausewayError("checkpoint \(dir)/bad: corrupt (checksum mismatch)")) {
            try Checkpoint.read(path: dir + "/bad")
        }
        FileManager.default.createFile(atPath: dir + "/junk", contents: Data("hello world, not a checkpoint".utf8))
        #expect(throws: CausewayError("checkpoint \(dir)/junk: not a Causeway checkpoint (bad magic)")) {
            try Checkpoint.read(path: dir + "/junk")
        }
        let other = try makeTrainer(steps: 5, tokens: .variable)
        let error = #expect(throws: CausewayError.self) {
            try other.restore(from: try Checkpoint.read(path: dir + "/ck"), path: dir + "/ck")
        }
        #expect(error?.message.contains("different model") == true)
        let longer = try makeTrainer(steps: 6)
        let e2 = #expect(throws: CausewayError.self) {
            try longer.restore(from: try Checkpoint.read(path: dir + "/ck"), path: dir + "/ck")
        }
        #expect(e2?.message.contains("--steps 5 (checkpoint) vs 6 (now)") == true)
    }

    @Test func aSharedPathCheckpointNamesTheFlagThatResumesIt() throws {
        let windows = WindowSet(sources: [smallVARSource(), smallVARSource(rows: 300, seed: 2)], maxLag: 3, validationFraction: 0.1)
        var tc = TrainingConfig()
        tc.batch = 16; tc.steps = 2
        func trainer(_ perDomain: Bool) throws -> Trainer {
            let c = ModelConfig(tokens: .step, variables: 4, maxLag: 3, dModel: 16, layers: 1, heads: 2, domainEmbeddings: 2,
                                linearPath: true, linearPathPerDomain: perDomain)
            return try Trainer(replicas: ReplicaSet(config: c, batch: 16, seed: 1, workers: 1), windows: windows, config: tc,
                               dataFingerprint: "x", reporter: nil)
        }
        let shared = try trainer(false).makeCheckpoint()
        let e = #expect(throws: CausewayError.self) { try trainer(true).restore(from: shared, path: "ck") }
        #expect(e?.message.contains("add --no-linear-path-per-domain to resume it") == true, "\(e?.message ?? "")")
    }

    @Test func dataFingerprintsCompareValuesAndAcceptEarlierCheckpoints() {
        let now = "variables [a,b]; rows 100,80; values sha256 abc"
        #expect(DiscoveryJob.dataMismatch(recorded: now, current: now, legacy: "x") == nil)
        #expect(DiscoveryJob.dataMismatch(recorded: "variables [a,b]; rows 100,80; values sha256 def", current: now, legacy: "x")?
            .contains("the values differ") == true)
        #expect(DiscoveryJob.dataMismatch(recorded: "variables [a,c]; rows 100,80; values sha256 abc", current: now, legacy: "x")?
            .contains("its variables differ: trained on variables [a,c], --data has variables [a,b]") == true)
        #expect(DiscoveryJob.dataMismatch(recorded: "variables [a,b]; rows 100; values sha256 abc", current: now, legacy: "x")?
            .contains("its rows differ") == true)
        // a checkpoint of an earlier version recorded names and rows only: matched on those
        let legacy = "variables [a,b]; domains d0:100,d1:80"
        #expect(DiscoveryJob.dataMismatch(recorded: legacy, current: now, legacy: legacy) == nil)
        #expect(DiscoveryJob.dataMismatch(recorded: legacy, current: now, legacy: "variables [a,b]; domains d0:99,d1:80") != nil)
    }

    @Test func valuesDigestSeesValuesNotNames() {
        func dataset(_ name: String, _ shift: Double) -> Dataset {
            let s = Series(rows: 3, columns: 2, values: [1, 2, 3, .nan, 5, 6 + shift])
            return Dataset(variables: ["a", "b"], domains: [DomainData(name: name, path: "/x/\(name).csv", series: s)], path: "/x/\(name).csv")
        }
        #expect(dataset("one", 0).valuesDigest() == dataset("two", 0).valuesDigest())
        #expect(dataset("one", 0).valuesDigest() != dataset("one", 1e-9).valuesDigest())
        // the digest is SHA-256 (64 hex digits) of the row count and the float64 bit patterns
        #expect(dataset("one", 0).valuesDigest().count == 64)
    }

    @Test func earlyStoppingRestoresBestParameters() throws {
        var tc = TrainingConfig()
        tc.batch = 16; tc.steps = 400; tc.patience = 2; tc.evalEvery = 5; tc.learningRate = 3e-2; tc.warmupSteps = 0
        // tiny training set, so the model overfits and validation stops improving
        let windows = WindowSet(sources: [smallVARSource(rows: 60)], maxLag: 3, validationFraction: 0.5)
        let replicas = ReplicaSet(config: ModelConfig(variables: 4, maxLag: 3, dModel: 32, layers: 2, heads: 2), batch: 16, seed: 1)
        let t = try Trainer(replicas: replicas, windows: windows, config: tc, dataFingerprint: "x", reporter: nil)
        let s = try t.train()
        #expect(s.stoppedEarly)
        #expect(s.steps < 400)
        #expect(t.validationLoss() == s.bestValidationLoss)
    }

    @Test func patienceRunningOutAtTheLastStepIsNotAnEarlyStop() throws {
        // learning rate 1e-30 (no parameter moves in Float): the validation loss never improves after the first evaluation (step 5),
        // so patience 1 runs out at the second (step 10)
        func run(steps: Int) throws -> TrainingSummary {
            var tc = TrainingConfig()
            tc.batch = 16; tc.steps = steps; tc.patience = 1; tc.evalEvery = 5; tc.learningRate = 1e-30; tc.warmupSteps = 0
            let windows = WindowSet(sources: [smallVARSource(rows: 60)], maxLag: 3, validationFraction: 0.5)
            let replicas = ReplicaSet(config: ModelConfig(variables: 4, maxLag: 3, dModel: 16, layers: 1, heads: 2), batch: 16, seed: 1)
            return try Trainer(replicas: replicas, windows: windows, config: tc, dataFingerprint: "x", reporter: nil).train()
        }
        let atEnd = try run(steps: 10)
        #expect(!atEnd.stoppedEarly && atEnd.steps == 10)
        let before = try run(steps: 15)
        #expect(before.stoppedEarly && before.steps == 10)
    }

    @Test func learningRateSchedule() {
        #expect(learningRate(step: 0, total: 100, warmup: 10, peak: 1, minFraction: 0.1) == 0.1)
        #expect(learningRate(step: 9, total: 100, warmup: 10, peak: 1, minFraction: 0.1) == 1)
        #expect(abs(learningRate(step: 55, total: 100, warmup: 10, peak: 1, minFraction: 0.1) - 0.55) < 1e-12)
        #expect(abs(learningRate(step: 100, total: 100, warmup: 10, peak: 1, minFraction: 0.1) - 0.1) < 1e-12)
    }

    /// Without --warmup a run warms up for a tenth of its steps, at most 100; the checkpoint
    /// records the resolved count, so a checkpoint of an explicit 100 resumes under the default
    /// when the run is long enough for the default to be 100, and is refused (naming --warmup)
    /// when it is not.
    @Test func defaultWarmupIsATenthOfShortRuns() throws {
        #expect(TrainingConfig.defaultWarmup(totalSteps: 40) == 4)
        #expect(TrainingConfig.defaultWarmup(totalSteps: 5) == 1)
        #expect(TrainingConfig.defaultWarmup(totalSteps: 999) == 99)
        #expect(TrainingConfig.defaultWarmup(totalSteps: 5_620) == 100)
        func trainer(steps: Int, warmup: Int?) throws -> Trainer {
            let windows = WindowSet(sources: [smallVARSource()], maxLag: 3, validationFraction: 0.1)
            var tc = TrainingConfig()
            tc.batch = 16; tc.steps = steps; tc.warmupSteps = warmup
            let replicas = ReplicaSet(config: ModelConfig(tokens: .step, variables: 4, maxLag: 3, dModel: 16, layers: 1, heads: 2),
                                      batch: 16, seed: 1, workers: 1)
            return try Trainer(replicas: replicas, windows: windows, config: tc, dataFingerprint: "test", reporter: nil)
        }
        let short = try trainer(steps: 50, warmup: nil)
        #expect(short.warmupSteps == 5 && short.makeCheckpoint().header.training.warmupSteps == 5)
        #expect(try trainer(steps: 50, warmup: 0).warmupSteps == 0)
        let explicit = try trainer(steps: 2_000, warmup: 100).makeCheckpoint()
        try trainer(steps: 2_000, warmup: nil).restore(from: explicit, path: "ck")
        let shortExplicit = try trainer(steps: 50, warmup: 100).makeCheckpoint()
        #expect(throws: CausewayError.self) { try trainer(steps: 50, warmup: nil).restore(from: shortExplicit, path: "ck") }
        do { try trainer(steps: 50, warmup: nil).restore(from: shortExplicit, path: "ck") } catch let e as CausewayError {
            #expect(e.message.contains("--warmup 100 (checkpoint) vs 5 (now)"), "\(e.message)")
        }
    }

    @Test func adamWMatchesClosedFormFirstStep() {
        // first step: m̂ = g, v̂ = g², so Δ = −lr·(g/(|g|+ε) + wd·p) for decayed entries
        let layout = ParameterLayout(ModelConfig(variables: 2, maxLag: 2, dModel: 4, layers: 1, heads: 1))
        let opt = AdamW(layout: layout)
        let p = FloatBuffer(layout.count), g = FloatBuffer(layout.count)
        for i in 0..<layout.count { p[i] = 0.5; g[i] = i % 2 == 0 ? 0.2 : -0.3 }
        opt.update(p, g, lr: 0.1, weightDecay: 0.01, t: 1)
        for s in layout.all { for k in 0..<s.count {
            let i = s.offset + k
            let expected = 0.5 - 0.1 * ((i % 2 == 0 ? 1 : -1) + (s.decays ? 0.01 * 0.5 : 0))
            #expect(abs(Double(p[i]) - expected) < 1e-5)
        } }
    }

    @Test func clippingBoundsTheNorm() {
        let g = FloatBuffer(4)
        g.copy(from: [3, 4, 0, 0])
        #expect(clipGradientNorm(g, maxNorm: 1) == 5)
        #expect(abs(g[0] - 0.6) < 1e-6 && abs(g[1] - 0.8) < 1e-6)
    }
}
