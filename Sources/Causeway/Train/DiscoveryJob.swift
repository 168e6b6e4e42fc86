/// Wires a validated dataset to windows, a model and a trainer: the single place that turns
/// files into a training run or a readout, shared by the CLI and the end-to-end tests.
public struct DiscoveryJob {
    public let dataset: Dataset
    public let model: ModelConfig
    public let training: TrainingConfig
    /// Where a fresh model's linear path starts (`--linear-path-start`; a resumed run takes the
    /// checkpoint's weights either way, so checkpoints do not record it).
    public var linearPathStart = LinearPathStart.autoregressive

    public init(dataset: Dataset, model: ModelConfig, training: TrainingConfig) {
        self.dataset = dataset
        self.model = model
        self.training = training
    }

    /// Identifies the data a checkpoint belongs to: the variables, each domain's rows, and the
    /// SHA-256 of the values the model sees (`Dataset.valuesDigest`: other data, or the same
    /// file with other preprocessing, differ; the same numbers under another file name do not).
    public var dataFingerprint: String {
        "variables [\(dataset.variables.joined(separator: ","))]; rows "
            + dataset.domains.map { String($0.series.rows) }.joined(separator: ",")
            + "; values sha256 \(dataset.valuesDigest())"
    }

    /// The fingerprint checkpoints written before the values were hashed recorded (variables,
    /// and each domain's name and rows); such a checkpoint is matched on these alone.
    var legacyDataFingerprint: String {
        "variables [\(dataset.variables.joined(separator: ","))]; domains "
            + dataset.domains.map { "\($0.name):\($0.series.rows)" }.joined(separator: ",")
    }

    /// nil when a checkpoint with the recorded fingerprint `recorded` belongs to this data;
    /// else what differs, for an error message.
    public static func dataMismatch(recorded: String, current: String, legacy: String) -> String? {
        if recorded == current { return nil }
        guard recorded.contains("; values sha256 ") else {
            return recorded == legacy ? nil : "it was trained on \(recorded); --data has \(legacy)"
        }
        func part(_ s: String, _ key: String) -> String? {
            s.components(separatedBy: "; ").first { $0.hasPrefix(key) }
        }
        for key in ["variables ", "rows "] where part(recorded, key) != part(current, key) {
            return "its \(key)differ: trained on \(part(recorded, key) ?? "?"), --data has \(part(current, key) ?? "?")"
        }
        return "the values differ (same variables and rows): other data, or the same file with other "
            + "preprocessing (--detrend, --difference, --columns, --missing) than in training"
    }

    /// Training and validation windows with per-domain z-scoring (training-part statistics).
    public func makeWindows() throws -> WindowSet {
        var means: [[Double]] = [], invStds: [[Double]] = []
        for d in dataset.domains {
            let rows = WindowSet.trainingRows(rows: d.series.rows, validationFraction: training.validationFraction)
            let s = try Standardizer.fit(d, variables: dataset.variables, trainRows: rows)
            means.append(s.mean)
            invStds.append(s.invStd)
        }
        return WindowSet(sources: dataset.domains.map(\.series), maxLag: model.maxLag,
                         validationFraction: training.validationFraction, mean: means, invStd: invStds)
    }

    /// Windows, model (seeded) and trainer.
    /// `workers`: threads of in-process data parallelism (nil = OPENBLAS_NUM_THREADS).
    /// `windows`: this job's `makeWindows()` when the caller already made them.
    public func makeTrainer(reporter: ProgressReporter?, workers: Int? = nil, windows made: WindowSet? = nil) throws -> Trainer {
        try model.validate()
        let windows = try made ?? makeWindows()
        let batch = min(training.batch, max(1, windows.train.count))
        let replicas = ReplicaSet(config: model, batch: batch, seed: training.seed, workers: workers)
        let choice = AutoregressiveStart.apply(to: replicas.primary, windows: windows, start: linearPathStart)
        let trainer = try Trainer(replicas: replicas, windows: windows, config: training,
                                  dataFingerprint: dataFingerprint, reporter: reporter)
        trainer.linearPathStart = choice
        trainer.legacyDataFingerprint = legacyDataFingerprint
        return trainer
    }

    /// The job a checkpoint was trained for, on `dataset` (which must be the same data).
    public static func resuming(_ ck: Checkpoint, path: String, dataset: Dataset) throws -> DiscoveryJob {
        let job = DiscoveryJob(dataset: dataset, model: ck.header.model, training: ck.header.training)
        if let why = dataMismatch(recorded: ck.header.data, current: job.dataFingerprint, legacy: job.legacyDataFingerprint) {
            throw CausewayError("checkpoint \(path) was trained on other data: \(why)")
        }
        return job
    }

    /// Replicas holding the checkpoint's best parameters, for a readout without training.
    public func replicas(loading ck: Checkpoint, batch: Int, workers: Int? = nil) -> ReplicaSet {
        let r = ReplicaSet(config: model, batch: batch, seed: training.seed, workers: workers)
        r.primary.parameters.copy(from: ck.bestParameters)
        return r
    }
}
