import Foundation

/// What a finished (or stopped) training run reports.
public struct TrainingSummary: Sendable {
    public let steps: Int
    public let bestStep: Int
    public let bestValidationLoss: Double
    public let lastTrainLoss: Double
    public let stoppedEarly: Bool
    /// A stop signal ended training before `totalSteps`; a checkpoint was written to resume from.
    public let stoppedBySignal: Bool
    public let trainWindowsPerSecond: Double
    public let seconds: Double
}

/// Single-process training loop: seeded epoch shuffles, AdamW with warm-up + cosine decay,
/// gradient clipping, validation-based early stopping with restore of the best parameters,
/// periodic atomic checkpoints that resume bit-identically.
public final class Trainer {
    public let replicas: ReplicaSet
    /// The model whose parameters are trained (replica 0; the others share its parameters).
    public var model: Transformer { replicas.primary }
    public let windows: WindowSet
    public let config: TrainingConfig
    public let optimizer: AdamW
    public private(set) var state: TrainingState
    public let best: FloatBuffer
    public let dataFingerprint: String
    /// The data's fingerprint in the form checkpoints of earlier versions recorded
    /// (`DiscoveryJob.legacyDataFingerprint`); nil matches only the current form.
    public var legacyDataFingerprint: String?
    public let reporter: ProgressReporter?
    /// Data parallelism over ranks: each rank runs its share of every global batch and the
    /// gradients are summed over ranks, so any rank count follows the same trajectory.
    public let communicator: Communicator
    /// Where to write checkpoints (nil = never) and how often (steps; 0 = only at the end).
    public var checkpointPath: String?
    public var checkpointEvery = 0
    /// Stop (with a checkpoint) once this many steps are done; for tests and preemption.
    public var stopAtStep: Int?
    /// Start the gradient all-reduce bucket by bucket during the backward pass (non-blocking)
    /// instead of once after it. Used only with one thread per rank (MPI is called from the
    /// main thread); the sums, hence the results, are the same bits either way.
    public var overlapAllReduce = false
    /// Fail with an error at this step (failure-injection tests of the multi-rank error path).
    public var failAtStep: Int?

    public let batch: Int
    /// Which windows make up each global batch (fixed data shards).
    public let schedule: ShardSchedule
    public var stepsPerEpoch: Int { schedule.stepsPerEpoch }
    public let totalSteps: Int
    /// Warm-up steps of this run (`--warmup`, or `TrainingConfig.defaultWarmup`); `config`
    /// holds the same resolved count, for checkpoints.
    public let warmupSteps: Int
    public let evalEvery: Int
    let validationSubset: [WindowRef]
    /// Per-domain validation loss of the last evaluation (multi-domain data only; NaN for a
    /// domain without validation windows).
    public private(set) var lastValidationByDomain: [Double]?
    /// The linear path's start the model was given before training, and why (`DiscoveryJob.makeTrainer`).
    public var linearPathStart: LinearPathStartChoice?
    let target: FloatBuffer
    var hasBest = false

    public init(replicas: ReplicaSet, windows: WindowSet, config: TrainingConfig, dataFingerprint: String,
                reporter: ProgressReporter?, communicator: Communicator = MPICommunicator.world) throws {
        try config.validate()
        guard !windows.train.isEmpty else { throw CausewayError("no training windows: every domain is shorter than --max-lag + 2 rows") }
        self.replicas = replicas
        self.communicator = communicator
        let model = replicas.primary
        self.windows = windows
        self.dataFingerprint = dataFingerprint
        self.reporter = reporter
        optimizer = AdamW(layout: model.layout)
        state = TrainingState()
        best = FloatBuffer(model.parameters.count)
        batch = min(config.batch, windows.train.count)
        precondition(replicas.batchCapacity >= (batch + communicator.size - 1) / communicator.size,
                     "model batch capacity too small for this rank's share of the batch")
        schedule = try ShardSchedule(train: windows.train, domains: windows.sources.count, mode: config.shard,
                                     shardCount: config.shards, batch: batch, seed: config.seed)
        totalSteps = config.steps ?? config.epochs * schedule.stepsPerEpoch
        warmupSteps = config.warmupSteps ?? TrainingConfig.defaultWarmup(totalSteps: totalSteps)
        var resolved = config
        resolved.warmupSteps = warmupSteps
        self.config = resolved
        // once per epoch, but at least every 50 steps' worth of data on tiny sets (where an epoch
        // is a step or two and validation is noisy) and at most 20 times per run
        evalEvery = config.evalEvery ?? max(1, min(max(schedule.stepsPerEpoch, 50), totalSteps / 20))
        validationSubset = evenlySpaced(windows.validation, count: config.maxValidationWindows)
        target = FloatBuffer(replicas.batchCapacity * model.config.sequenceLength * model.config.featuresPerToken)
        // no collective call here: a command builds the trainer (whose shard and batch checks
        // can refuse the run) before its ranks agree that every input check passed
    }

    /// The coordinator's parameters (initial or restored) on every rank: the first collective
    /// call of training (`train` makes it; a caller stepping by hand makes it first).
    public func broadcastParameters() {
        communicator.broadcast(model.parameters.pointer, count: model.parameters.count, root: 0)
    }

    // MARK: - Checkpoints

    public func makeCheckpoint() -> Checkpoint {
        Checkpoint(header: .init(model: model.config, training: config, data: dataFingerprint, state: state,
                                 parameter_count: model.parameters.count),
                   parameters: model.parameters.array, adamM: optimizer.m.array, adamV: optimizer.v.array,
                   bestParameters: hasBest ? best.array : model.parameters.array)
    }

    /// Continues from `ck`; refuses a checkpoint of another model, data set or settings.
    public func restore(from ck: Checkpoint, path: String) throws {
        let h = ck.header
        if h.model != model.config {
            var same = h.model
            same.linearPathPerDomain = model.config.linearPathPerDomain
            let hint = same == model.config   // only the per-domain path differs: name the flag
                ? (h.model.linearPathPerDomain ? "; add --linear-path-per-domain to resume it"
                   : "; add --no-linear-path-per-domain to resume it (it was trained with one shared linear path, the default before the per-domain one)")
                : ""
            throw CausewayError("checkpoint \(path) was written for a different model (\(describe(h.model))); this run asks for \(describe(model.config))" + hint)
        }
        if let why = DiscoveryJob.dataMismatch(recorded: h.data, current: dataFingerprint, legacy: legacyDataFingerprint ?? dataFingerprint) {
            throw CausewayError("checkpoint \(path) was written for other data: \(why)")
        }
        if h.training != config {
            throw CausewayError("checkpoint \(path) was written with other training settings: \(differences(h.training, config))")
        }
        model.parameters.copy(from: ck.parameters)
        optimizer.m.copy(from: ck.adamM)
        optimizer.v.copy(from: ck.adamV)
        best.copy(from: ck.bestParameters)
        hasBest = h.state.bestValidationLoss.isFinite
        state = h.state
    }

    // MARK: - Training

    @discardableResult
    public func train() throws -> TrainingSummary {
        let B = batch
        let start = Date()
        var trainSeconds = 0.0, trainWindows = 0
        var lastLoss = Double.nan
        var valLoss: Double? = state.bestValidationLoss.isFinite ? state.bestValidationLoss : nil
        var stoppedBySignal = false
        let firstStep = state.step   // > 0 when resumed: the ETA counts this process's steps only
        broadcastParameters()

        while state.step < totalSteps && !state.stoppedEarly {
            if let stop = stopAtStep, state.step >= stop { break }
            // every rank agrees, once per step, whether any rank got a stop signal
            if communicator.allReduceMax(StopSignal.isRaised ? 1 : 0) != 0 {
                stoppedBySignal = true
                break
            }
            if let fail = failAtStep, state.step >= fail {
                throw CausewayError("injected failure at step \(state.step) (CAUSEWAY_INJECT_FAILURE)")
            }
            let t0 = Date()
            let step = state.step, mine = communicator.share(of: B)
            schedule.prepare(step: step, positions: mine.start..<(mine.start + mine.count))
            let (loss, lr) = optimizationStep(step: step) { schedule.window(step: step, position: $0) }
            state.step += 1
            guard loss.isFinite else {
                // the loss is all-reduced: every rank finds this at the same step
                throw CollectiveError("training diverged at step \(state.step) (loss \(loss)); try a smaller --lr")
            }
            trainSeconds += Date().timeIntervalSince(t0)
            trainWindows += B
            state.lossSum += loss
            state.lossCount += 1
            lastLoss = loss
            let speed = Double(trainWindows) / max(trainSeconds, 1e-9)

            if state.step % evalEvery == 0 || state.step == totalSteps {
                let trainLoss = state.lossSum / Double(max(state.lossCount, 1))
                state.lossSum = 0
                state.lossCount = 0
                valLoss = evaluate()
                var record: [String: Any] = ["step": state.step, "epoch": schedule.epoch(ofStep: state.step - 1),
                                             "train_loss": trainLoss, "val_loss": valLoss ?? NSNull(), "lr": lr,
                                             "windows_per_s": speed, "elapsed_s": Date().timeIntervalSince(start)]
                if let byDomain = lastValidationByDomain {
                    record["val_loss_by_domain"] = byDomain.map { $0.isFinite ? $0 as Any : NSNull() }
                }
                reporter?.log(record)
                reporter?.progress(step: state.step, total: totalSteps, trainLoss: trainLoss, valLoss: valLoss,
                                   windowsPerSecond: speed, elapsed: Date().timeIntervalSince(start),
                                   stepsThisRun: state.step - firstStep, force: true)
            } else {
                reporter?.progress(step: state.step, total: totalSteps, trainLoss: loss, valLoss: valLoss,
                                   windowsPerSecond: speed, elapsed: Date().timeIntervalSince(start),
                                   stepsThisRun: state.step - firstStep)
            }
            if let path = checkpointPath, checkpointEvery > 0, state.step % checkpointEvery == 0 {
                try makeCheckpoint().write(to: path)
            }
        }
        if let path = checkpointPath { try makeCheckpoint().write(to: path) }
        if state.stoppedEarly {
            reporter?.message("early stop at step \(state.step): no validation improvement in \(config.patience) evaluations")
        }
        if hasBest { model.parameters.copy(from: best) }   // restore the best validation parameters
        return TrainingSummary(steps: state.step, bestStep: state.bestStep, bestValidationLoss: state.bestValidationLoss,
                               lastTrainLoss: lastLoss, stoppedEarly: state.stoppedEarly, stoppedBySignal: stoppedBySignal,
                               trainWindowsPerSecond: Double(trainWindows) / max(trainSeconds, 1e-9),
                               seconds: Date().timeIntervalSince(start))
    }

    /// One optimizer step on the `batch` windows `window(0) ..< window(batch)`; returns the
    /// batch loss (before the update) and the learning rate used.
    public func optimizationStep(step: Int, window: (Int) -> WindowRef) -> (loss: Double, lr: Double) {
        let c = model.config, B = batch, perSample = c.sequenceLength * c.featuresPerToken
        let normalizer = lossValuesPerSample(c, lastStepOnly: false) * B
        let mine = communicator.share(of: B)   // this rank's part of the global batch
        for r in replicas.replicas { r.zeroGradients() }
        // every rank must make the same bucket calls: all of them need samples
        let overlap = overlapAllReduce && replicas.workers == 1 && communicator.size > 1 && B >= communicator.size
        let grads = model.gradients.pointer
        let sse = replicas.mapChunks(mine.count) { m, start, count -> Double in
            for s in 0..<count {
                let w = window(mine.start + start + s)
                windows.fill(w, input: m.input + s * perSample, target: target.pointer + (start + s) * perSample)
                m.setDomain(s, Int(w.domain))
            }
            m.forward(batch: count)
            let e = sumSquaredError(m, target: target.pointer + start * perSample, batch: count, lastStepOnly: false,
                                    gradientNormalizer: normalizer)
            if overlap {
                m.backward(batch: count) { offset, n in self.communicator.startAllReduceSum(grads + offset, count: n) }
            } else {
                m.backward(batch: count)
            }
            return e
        }
        if overlap {
            communicator.waitAll()
        } else {
            replicas.reduceGradients()
            communicator.allReduceSum(model.gradients.pointer, count: model.gradients.count)
        }
        var loss = [sse.reduce(0, +)]
        communicator.allReduceSum(&loss, count: 1)
        clipGradientNorm(model.gradients, maxNorm: Float(config.clipNorm))
        let lr = learningRate(step: step, total: totalSteps, warmup: warmupSteps,
                              peak: config.learningRate, minFraction: config.minLearningRateFraction)
        optimizer.update(model.parameters, model.gradients, lr: Float(lr), weightDecay: Float(config.weightDecay), t: step + 1)
        return (loss[0] / Double(normalizer), lr)
    }

    /// Validation loss (final position only) on the evaluation subset; updates early stopping.
    func evaluate() -> Double? {
        guard !validationSubset.isEmpty else { return nil }
        let loss = validationLoss()
        if loss < state.bestValidationLoss {
            state.bestValidationLoss = loss
            state.bestStep = state.step
            state.evaluationsSinceBest = 0
            best.copy(from: model.parameters)
            hasBest = true
        } else {
            state.evaluationsSinceBest += 1
            // an early stop ends training before its last step; at the last step it is the plain end
            if config.patience > 0 && state.evaluationsSinceBest >= config.patience && state.step < totalSteps {
                state.stoppedEarly = true
            }
        }
        return loss
    }

    /// Mean final-position MSE over the validation subset with the current parameters.
    /// The subset is taken in global batches split like training batches (rank share, then
    /// replica chunks) and each batch's sum is all-reduced, so every rank count and thread
    /// count that splits a batch the same way gives the same bits.
    public func validationLoss() -> Double {
        let c = model.config, perSample = c.sequenceLength * c.featuresPerToken
        let D = windows.sources.count
        var total = 0.0
        var byDomain = [Double](repeating: 0, count: D)   // this rank's part, all-reduced at the end
        var k = 0
        while k < validationSubset.count {
            let b = min(batch, validationSubset.count - k)
            let mine = communicator.share(of: b)
            let first = k + mine.start
            let sse = replicas.mapChunks(mine.count) { m, start, count -> (Double, [Double]) in
                for s in 0..<count {
                    let w = validationSubset[first + start + s]
                    windows.fill(w, input: m.input + s * perSample, target: target.pointer + (start + s) * perSample)
                    m.setDomain(s, Int(w.domain))
                }
                m.forward(batch: count)
                let t = target.pointer + start * perSample
                let total = sumSquaredError(m, target: t, batch: count, lastStepOnly: true)
                // the same errors by domain, for the log only (early stopping uses the total)
                var perDomain = [Double](repeating: 0, count: D)
                if D > 1 {
                    for s in 0..<count {
                        var e2 = 0.0
                        for kk in (s * perSample + perSample - c.variables)..<((s + 1) * perSample) {
                            let e = m.output[kk] - t[kk]
                            e2 += Double(e * e)
                        }
                        perDomain[Int(validationSubset[first + start + s].domain)] += e2
                    }
                }
                return (total, perDomain)
            }
            for (_, part) in sse { for d in 0..<D { byDomain[d] += part[d] } }
            var batchSum = [sse.map(\.0).reduce(0, +)]
            communicator.allReduceSum(&batchSum, count: 1)
            total += batchSum[0]
            k += b
        }
        if D > 1 {
            communicator.allReduceSum(&byDomain, count: D)
            var counts = [Int](repeating: 0, count: D)
            for w in validationSubset { counts[Int(w.domain)] += 1 }
            lastValidationByDomain = (0..<D).map { counts[$0] > 0 ? byDomain[$0] / Double(counts[$0] * c.variables) : .nan }
        }
        return total / Double(validationSubset.count * lossValuesPerSample(c, lastStepOnly: true))
    }
}

private func describe(_ m: ModelConfig) -> String {
    "\(m.variables) variables, --tokens \(m.tokens.rawValue) --max-lag \(m.maxLag) --d-model \(m.dModel) --layers \(m.layers) --heads \(m.heads)"
        + (m.linearPath ? (m.linearPathPerDomain ? " --linear-path-per-domain" : " --linear-path") : " --no-linear-path")
        + (m.domainEmbeddings > 0 ? " --domain-embedding (\(m.domainEmbeddings) domains)" : " --no-domain-embedding")
}

private func differences(_ a: TrainingConfig, _ b: TrainingConfig) -> String {
    var out: [String] = []
    func cmp<T: Equatable>(_ flag: String, _ x: T, _ y: T) { if x != y { out.append("\(flag) \(x) (checkpoint) vs \(y) (now)") } }
    cmp("--batch", a.batch, b.batch); cmp("--epochs", a.epochs, b.epochs)
    cmp("--steps", a.steps.map(String.init) ?? "auto", b.steps.map(String.init) ?? "auto")
    cmp("--lr", a.learningRate, b.learningRate); cmp("--warmup", a.warmupSteps.map(String.init) ?? "auto", b.warmupSteps.map(String.init) ?? "auto")
    cmp("--weight-decay", a.weightDecay, b.weightDecay); cmp("--clip", a.clipNorm, b.clipNorm)
    cmp("--validation-fraction", a.validationFraction, b.validationFraction); cmp("--patience", a.patience, b.patience)
    cmp("--eval-every", a.evalEvery.map(String.init) ?? "auto", b.evalEvery.map(String.init) ?? "auto")
    cmp("--seed", a.seed, b.seed)
    cmp("--shard", a.shard.rawValue, b.shard.rawValue); cmp("--shards", a.shards, b.shards)
    cmp("min-lr fraction", a.minLearningRateFraction, b.minLearningRateFraction)
    cmp("validation windows", a.maxValidationWindows, b.maxValidationWindows)
    return out.joined(separator: ", ")
}
