import ArgumentParser
import Causeway
import Foundation

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the forecaster on --data, read out the lagged graph, write it to --out.")

    @OptionGroup var input: InputOptions
    @OptionGroup var model: ModelOptions
    @Flag(name: .customLong("domain-embedding"), inversion: .prefixedNo,
          help: "Add a learned per-domain vector to every token (default: on when the data has more than one domain).")
    var domainEmbedding: Bool?

    @Option(name: .customLong("linear-path-start"),
            help: "Where the linear path starts: auto (default: lasso with fewer than 10 training windows per input when its cross-validated error beats each variable's own lag 1, else autoregressive), autoregressive (each variable's own least-squares lag-1 coefficient on the diagonal; other lags and cross weights 0), lasso (every weight at the lasso VAR, its penalty chosen by cross-validation on the training windows), var (the least-squares VAR) or zero (all weights 0).")
    var linearPathStart: LinearPathStart = .auto
    @Option(help: "Training epochs (ignored when --steps is given).")
    var epochs: Int = 20
    @Option(help: "Total optimizer steps (default: epochs × windows/batch).")
    var steps: Int?
    @Option(help: "Peak learning rate (AdamW).")
    var lr: Double = 3e-3
    @Option(name: .customLong("weight-decay"), help: "Decoupled weight decay on matrices.")
    var weightDecay: Double = 0.01
    @Option(help: "Linear warm-up steps before the cosine decay (default: 100, or a tenth of a run shorter than 1,000 steps).")
    var warmup: Int?
    @Option(help: "Gradient-norm clipping threshold (0 disables).")
    var clip: Double = 1.0
    @Option(name: .customLong("validation-fraction"), help: "Held-out tail of every domain, by time; the per-edge tests run on it (default: 0.1 of long data, raised up to 0.25 so that about 2,000 rows are held out, and up to 0.3 so that at least about 60 are).")
    var validationFraction: Double?
    @Option(help: "Early stopping: evaluations without validation improvement (0 = off).")
    var patience: Int = 10
    @Option(name: .customLong("eval-every"), help: "Steps between validation evaluations (default: chosen from the run length).")
    var evalEvery: Int?
    @Option(help: "Random seed; the same seed gives bit-identical results.")
    var seed: UInt64 = 0
    @Option(help: "How training windows are split into fixed data shards: stratified (every shard a proportional, contiguous-in-time slice of every domain) or domain (whole domains per shard, balanced by window count).")
    var shard: ShardMode = .stratified
    @Option(help: "Number of data shards (default: the number of MPI ranks, so each rank reads only its own shard). Results depend on the shard count, never on the rank or thread count: pass the same --shards to compare runs over different rank counts.")
    var shards: Int?
    @Option(help: "Continue training from this checkpoint file.")
    var resume: String?
    @Option(name: .customLong("checkpoint-every"), help: "Steps between checkpoints (0 = only at the end).")
    var checkpointEvery: Int = 500
    @Flag(help: "No progress on stderr.")
    var quiet = false
    @Flag(name: .customLong("overlap-allreduce"), help: "With one thread per rank: start the gradient all-reduce bucket by bucket during backward (same results; measured no faster on one node).")
    var overlapAllreduce = false

    @OptionGroup var readout: ReadoutOptions

    func validate() throws {
        do { try trainingConfig(ranks: 1, validationFraction: validationFraction ?? 0.1).validate() }
        catch let e as CausewayError { throw ValidationError(e.message) }
        if checkpointEvery < 0 { throw ValidationError("--checkpoint-every must be ≥ 0 (got \(checkpointEvery))") }
        try readout.validate(tokens: model.tokens)
    }

    /// --domain-embedding / --no-domain-embedding, else on for multi-domain data.
    func usesDomainEmbedding(_ dataset: Dataset) -> Bool { domainEmbedding ?? (dataset.domains.count > 1) }

    /// `ranks`: the MPI world size, the default shard count.
    func trainingConfig(ranks: Int, validationFraction: Double) -> TrainingConfig {
        var t = TrainingConfig()
        t.shard = shard; t.shards = shards ?? ranks
        t.batch = model.batch; t.epochs = epochs; t.steps = steps; t.learningRate = lr
        t.weightDecay = weightDecay; t.warmupSteps = warmup; t.clipNorm = clip
        t.validationFraction = validationFraction; t.patience = patience; t.evalEvery = evalEvery; t.seed = seed
        return t
    }

    func run() throws {
        StopSignal.install()
        try coordinated { world, agreement in _ = try execute(world: world, agreement: agreement) }
    }

    /// Train and read out on every rank; returns the training summary and the threads per rank.
    /// Shared with `causeway study`, which runs this once per Causeway variant of a cell.
    /// Every input check comes before `agreement.passed()`, and no collective call before it.
    /// `listing`: print the edges, files and metrics at the end (false in a study).
    func execute(world: Communicator, agreement: InputAgreement, listing: Bool = true) throws -> (summary: TrainingSummary, threads: Int) {
        agreement.begin()
        let started = Date()
        let coordinator = world.isCoordinator
        // Everything that can fail on input is checked before any collective call.
        let dataset = try input.loadDataset()
        let out = input.out
        let validationFraction = self.validationFraction
            ?? TrainingConfig.defaultValidationFraction(totalRows: dataset.domains.reduce(0) { $0 + $1.series.rows })
        let diagnostics = try input.check(dataset, maxLag: model.maxLag, validationFraction: validationFraction)
        let p = dataset.variables.count
        let truthEdges = try readout.checkInputs(dataset: dataset, maxLag: model.maxLag, validationFraction: validationFraction)
        let resumeFrom = try resume.map { try Checkpoint.read(path: $0) }
        if coordinator {
            try input.checkOut(resumingFrom: resume)   // refuses early (before the data's warnings); creates nothing
            input.print(diagnostics, quiet: quiet)
            if !quiet, let note = ReadoutOptions.truthBeyondMaxLagNote(truthEdges, maxLag: model.maxLag) { fputs(note + "\n", stderr) }
        }

        var config = model.config(variables: p, domainEmbeddings: usesDomainEmbedding(dataset) ? dataset.domains.count : 0,
                                  forABCD: readout.attribution == .abcd)
        let training = trainingConfig(ranks: world.size, validationFraction: validationFraction)
        // one linear path per domain by default only when the domains' linear dynamics differ
        // (a Chow test on the training windows; the same on every rank)
        // (the windows depend on the max lag and the held-out share only, so the job keeps them)
        let windows = try DiscoveryJob(dataset: dataset, model: config, training: training).makeWindows()
        var domainDynamics: DomainDynamics.Result? = nil
        if model.linearPathPerDomain == nil && config.linearPathPerDomain {
            let result = DomainDynamics.test(windows: windows)
            config.linearPathPerDomain = result.differ
            domainDynamics = result
        }
        var job = DiscoveryJob(dataset: dataset, model: config, training: training)
        job.linearPathStart = linearPathStart
        let reporter = ProgressReporter(quiet: quiet || !coordinator)
        let trainer = try job.makeTrainer(reporter: reporter, windows: windows)
        trainer.checkpointPath = coordinator ? out + "/checkpoint.cwck" : nil
        trainer.checkpointEvery = checkpointEvery
        trainer.failAtStep = injectedFailureStep(rank: world.rank)
        trainer.overlapAllReduce = overlapAllreduce
        if let resumeFrom, let resume { try trainer.restore(from: resumeFrom, path: resume) }
        try agreement.passed()
        // --out is touched only now, when nothing above (shards, batch, checkpoint) refused the run
        // on any rank: a refused run leaves an existing folder as it was and creates none.
        let createdOut = !FileManager.default.fileExists(atPath: out)
        if coordinator {
            try input.prepareOut(resumingFrom: resume)
            let inPlace = resume.map(input.resumesInPlace) ?? false
            if let resume, !inPlace { try copyTrainingLog(from: resume, upTo: trainer.state.step) }
            try reporter.openLog(path: out + "/train_log.jsonl", append: resume != nil)   // in place, or after the copied log
        }
        do {
            return try train(trainer, reporter: reporter, world: world, dataset: dataset, diagnostics: diagnostics,
                             truthEdges: truthEdges, listing: listing, started: started, domainDynamics: domainDynamics)
        } catch let error where !(error is StopSignalExit) {
            // a run that fails in training or the readout leaves no folder it created itself
            // (a stopped run keeps its checkpoint, to resume)
            if coordinator && createdOut { try? FileManager.default.removeItem(atPath: out) }
            throw error
        }
    }

    /// The training log of the run a checkpoint came from (beside it), up to the checkpoint's
    /// step, as the start of a resumed run's log in a new folder: its report then draws the
    /// whole training curve.
    func copyTrainingLog(from checkpoint: String, upTo step: Int) throws {
        let source = URL(fileURLWithPath: checkpoint).deletingLastPathComponent().appendingPathComponent("train_log.jsonl").path
        guard let text = try? String(contentsOfFile: source, encoding: .utf8) else { return }
        let kept = text.split(separator: "\n").filter { line in
            guard let data = line.data(using: .utf8),
                  let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let s = record["step"] as? Int else { return false }
            return s <= step
        }
        try AtomicFile.write(kept.map { $0 + "\n" }.joined(), to: input.out + "/train_log.jsonl")
    }

    /// Training, then the readout; the part of `execute` after --out is prepared.
    /// The banner's start: "autoregressive", or "auto → lasso (why)".
    private func startText(_ choice: LinearPathStartChoice?) -> String {
        guard let choice else { return linearPathStart.rawValue }
        guard linearPathStart == .auto else { return choice.start.rawValue }
        return "auto → \(choice.start.rawValue)" + (choice.reason.map { " (\($0))" } ?? "")
    }

    private func train(_ trainer: Trainer, reporter: ProgressReporter, world: Communicator, dataset: Dataset,
                       diagnostics: [Diagnostic], truthEdges: [LaggedEdge]?, listing: Bool, started: Date,
                       domainDynamics: DomainDynamics.Result? = nil) throws
        -> (summary: TrainingSummary, threads: Int) {
        let coordinator = world.isCoordinator, out = input.out, p = dataset.variables.count
        if let resume { reporter.message("resuming from \(resume) at step \(trainer.state.step)") }
        let mc = trainer.model.config
        reporter.message("model: \(mc.tokens.rawValue) tokens, d_model \(mc.dModel), \(mc.layers) layer(s), \(mc.heads) head(s), max lag \(mc.maxLag)"
            + (mc.linearPath ? (mc.linearPathPerDomain ? ", one linear path per domain (\(mc.linearPathBanks) × \(mc.maxLag * p * p) weights"
                                                       : ", linear path (\(mc.maxLag * p * p) weights")
                + ", scale \(String(format: "%.3g", mc.linearPathScale))"
                + (resume == nil ? ", start \(startText(trainer.linearPathStart)))" : ")") : "")
            + (mc.domainEmbeddings > 0 ? ", domain embedding" : "")
            + (domainDynamics.map { r in
                !r.testable ? " (per-domain paths: a domain has too few windows to test whether the domains' dynamics differ)"
                : r.differ ? String(format: " (per-domain paths: the domains' linear dynamics differ, Chow F = %.3g, p = %.2g)", r.statistic, r.pValue)
                : String(format: " (one shared path: the domains' linear dynamics do not differ, Chow F = %.3g, p = %.2g; --linear-path-per-domain overrides)", r.statistic, r.pValue)
            } ?? "")
            + "; readout of \(min(readout.samples(variables: p), trainer.windows.train.count)) samples")
        reporter.message("training: \(trainer.windows.train.count) windows in \(dataset.domains.count) domain(s), "
            + "\(trainer.model.parameters.count) parameters, \(trainer.totalSteps) steps (warm-up \(trainer.warmupSteps)), "
            + "\(world.size) rank(s) × \(trainer.replicas.workers) thread(s), "
            + "\(trainer.schedule.shardCount) \(trainer.config.shard.rawValue) data shard(s)")
        if coordinator, let warning = oversubscription(threadsPerRank: trainer.replicas.workers) {
            fputs("warning: \(warning)\n", stderr)
        }
        // settings that cannot work as written: said, not silently run
        if coordinator && trainer.state.step == 0 {
            if let warmup, warmup >= trainer.totalSteps {
                fputs("warning: --warmup \(warmup) is not below the run's \(trainer.totalSteps) steps: the learning rate never reaches --lr \(lr)\n", stderr)
            }
            // few training windows per input: the default start's cross weights are learned in the
            // few steps such a run takes, which is too few (docs/scaling.md, short series)
            let inputs = mc.maxLag * p
            if mc.linearPath && trainer.linearPathStart?.start == .autoregressive && trainer.windows.train.count < 2 * inputs
                && (linearPathStart == .autoregressive || inputs > AutoregressiveStart.autoMaxInputs) {
                fputs("note: \(trainer.windows.train.count) training windows for \(inputs) inputs (\(p) variables × max lag \(mc.maxLag)): "
                      + "the linear path may learn few cross weights before the model overfits. --linear-path-start lasso starts it at a "
                      + "cross-validated lasso VAR (sparse linear VAR(3), 200 variables × 1,000 rows: lagged F1 0.02 → 0.91; on the fMRI "
                      + "benchmark sets it lost recall), and a smaller --max-lag means fewer inputs\n", stderr)
            }
            if model.batch > trainer.windows.train.count {
                fputs("warning: --batch \(model.batch) is more than the \(trainer.windows.train.count) training windows: every step uses all of them, "
                      + "so an epoch is one step (\(trainer.totalSteps) steps in all)\n", stderr)
            }
        }
        let trainingStarted = Date()
        let summary = try trainer.train()
        let trainingSeconds = Date().timeIntervalSince(trainingStarted)
        if summary.stoppedBySignal {
            // printed even with --quiet: the sign that a job stopped cleanly and can resume
            if coordinator {
                let path = out + "/checkpoint.cwck"
                fputs("stop signal: training stopped at step \(summary.steps) of \(trainer.totalSteps); "
                      + "checkpoint written to \(path), continue with --resume \(path)\n", stderr)
            }
            throw StopSignalExit()
        }

        var provenance: Provenance = [
            "seed": .count(seed),
            "steps": .count(summary.steps),
            "best_step": .count(summary.bestStep),
            "training_s": .seconds(trainingSeconds),
        ]
        if trainer.model.config.linearPath {
            provenance["linear_path_start"] = .text(resume == nil ? (trainer.linearPathStart?.start ?? linearPathStart).rawValue : "checkpoint")
            if resume == nil, linearPathStart == .auto, let choice = trainer.linearPathStart {
                provenance["linear_path_start_rule"] = .text("auto" + (choice.reason.map { ": " + $0 } ?? ""))
                if let e = choice.lassoError { provenance["lasso_cv_error"] = .number(e) }
                if let e = choice.ownLagError { provenance["own_lag_cv_error"] = .number(e) }
            }
            if trainer.model.config.domainEmbeddings > 1 {
                provenance["linear_path_per_domain"] = .text(trainer.model.config.linearPathPerDomain ? "per domain" : "shared")
            }
            if let r = domainDynamics, r.testable {
                provenance["domain_dynamics_f"] = .number(r.statistic)
                provenance["domain_dynamics_p_value"] = .number(r.pValue)
            }
        }
        try readout.perform(replicas: trainer.replicas, windows: trainer.windows, dataset: dataset, truth: truthEdges,
                            out: out, trainingLog: out + "/train_log.jsonl", seed: seed, diagnostics: diagnostics,
                            quiet: quiet, listing: listing, started: started, provenance: provenance)
        return (summary, trainer.replicas.workers)
    }
}

extension ShardMode: ExpressibleByArgument {}

/// A warning when the ranks on this node (the launcher's MPI_LOCALNRANKS, or SLURM's tasks per
/// node) times the threads of each exceed the node's cores: the threads then time-share the
/// cores and every step waits for the slowest (e.g. `mpirun -n 2` on 2 cores without
/// OPENBLAS_NUM_THREADS gives each rank both cores). nil when it fits or is unknown.
func oversubscription(threadsPerRank: Int, environment: [String: String] = ProcessInfo.processInfo.environment,
                      cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> String? {
    let local = environment["MPI_LOCALNRANKS"].flatMap { Int($0) }
        ?? environment["SLURM_NTASKS_PER_NODE"].flatMap { Int($0) }
    guard let local, local > 1, local * threadsPerRank > cores else { return nil }
    return "\(local) ranks on this node × \(threadsPerRank) threads each exceed its \(cores) cores, which slows every step; "
        + "set OPENBLAS_NUM_THREADS=\(max(1, cores / local)) for the ranks (e.g. mpirun -n \(local) -genv OPENBLAS_NUM_THREADS \(max(1, cores / local)))"
}

/// Test hook: CAUSEWAY_INJECT_FAILURE=RANK:STEP makes that rank fail at that training step.
func injectedFailureStep(rank: Int) -> Int? {
    guard let spec = ProcessInfo.processInfo.environment["CAUSEWAY_INJECT_FAILURE"] else { return nil }
    let parts = spec.split(separator: ":").compactMap { Int($0) }
    return parts.count == 2 && parts[0] == rank ? parts[1] : nil
}
