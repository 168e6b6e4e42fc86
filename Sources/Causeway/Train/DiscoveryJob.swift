/// Wires a validated dataset to windows, a model and a trainer: the single place that turns
/// files into a training run or a readout, shared by the CLI and the end-to-end tests.
public struct DiscoveryJob {
    public let dataset: Dataset
    public let model: ModelConfig
    public let training: TrainingConfig

    public init(dataset: Dataset, model: ModelConfig, training: TrainingConfig) {
        self.dataset = dataset
        self.model = model
        self.training = training
    }

    /// Identifies the data a checkpoint belongs to.
    public var dataFingerprint: String {
        "variables [\(dataset.variables.joined(separator: ","))]; domains "
            + dataset.domains.map { "\($0.name):\($0.series.rows)" }.joined(separator: ",")
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
    public func makeTrainer(reporter: ProgressReporter?, workers: Int? = nil) throws -> Trainer {
        try model.validate()
        let windows = try makeWindows()
        let batch = min(training.batch, max(1, windows.train.count))
        let replicas = ReplicaSet(config: model, batch: batch, seed: training.seed, workers: workers)
        return try Trainer(replicas: replicas, windows: windows, config: training,
                           dataFingerprint: dataFingerprint, reporter: reporter)
    }

    /// The job a checkpoint was trained for, on `dataset` (which must be the same data).
    public static func resuming(_ ck: Checkpoint, path: String, dataset: Dataset) throws -> DiscoveryJob {
        let job = DiscoveryJob(dataset: dataset, model: ck.header.model, training: ck.header.training)
        if ck.header.data != job.dataFingerprint {
            throw CausewayError("checkpoint \(path) was trained on different data (\(ck.header.data)); --data has \(job.dataFingerprint)")
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
