/// Optimisation settings. Everything that changes the trajectory lives here, so a checkpoint
/// can refuse to resume under different settings.
public struct TrainingConfig: Codable, Equatable, Sendable {
    public var batch = 64
    public var epochs = 20
    /// Total optimizer steps; nil = epochs × steps per epoch.
    public var steps: Int? = nil
    public var learningRate = 3e-3
    public var minLearningRateFraction = 0.1
    /// Linear warm-up steps; nil = `defaultWarmup(totalSteps:)`, resolved by the trainer (a
    /// checkpoint records the resolved count).
    public var warmupSteps: Int? = nil
    public var weightDecay = 0.01
    public var clipNorm = 1.0
    public var validationFraction = 0.1

    /// The held-out fraction when the user gives none: enough held-out windows for the per-edge
    /// tests (which use only held-out windows) without starving training.
    ///   f = max(clamp(2000 / rows, 0.1, 0.25), min(0.3, 60 / rows))   (rows: all domains)
    /// i.e. 10% of long data, up to a quarter so that about 2,000 rows are held out, and up to
    /// 30% on very short data so that about 60 are. Measured (docs/accuracy.md, 2026-12-07):
    /// generated linear data with 1,000 rows, lagged F1 of the default graph 0.924 at 10% held
    /// out and 0.979 at 25%; mlp-additive with 2,000 rows 0.349 and 0.596; at 20,000 rows 10%
    /// and 20% gave the same (0.907 and 0.903 on 15 sets); NetSim fMRI (200 rows): 10% leaves
    /// 20 windows and no edge can be claimed.
    public static func defaultValidationFraction(totalRows: Int) -> Double {
        let rows = Double(max(totalRows, 1))
        return max(min(0.25, max(0.1, 2000 / rows)), min(0.3, 60 / rows))
    }
    /// The warm-up when the user gives none: 100 steps, or a tenth of a shorter run,
    /// min(100, max(1, totalSteps / 10)). A fixed 100 never let a short run (a few hundred rows:
    /// 40–60 steps) reach its learning rate; measured on generated linear data (10 variables,
    /// max lag 2, seeds 0–9, docs/accuracy.md), lagged F1 with 200 rows 0.370 at 100 steps'
    /// warm-up against 0.540 at 10, with 400 rows 0.813 against 0.864.
    public static func defaultWarmup(totalSteps: Int) -> Int { min(100, max(1, totalSteps / 10)) }
    /// Early stopping: evaluations without improvement before stopping (0 = never stop early).
    public var patience = 10
    /// Steps between validation evaluations; nil = chosen from the run length.
    public var evalEvery: Int? = nil
    /// Validation windows evaluated (evenly spaced over all validation windows).
    public var maxValidationWindows = 1024
    public var seed: UInt64 = 0
    /// Fixed data shards that make up every batch (see `ShardSchedule`); the CLI sets the
    /// shard count to the rank count unless `--shards` is given.
    public var shard = ShardMode.stratified
    public var shards = 1

    public init() {}

    /// Errors name the flag.
    public func validate() throws {
        if batch < 1 { throw CausewayError("--batch must be at least 1 (got \(batch))") }
        if epochs < 1 { throw CausewayError("--epochs must be at least 1 (got \(epochs))") }
        if let s = steps, s < 1 { throw CausewayError("--steps must be at least 1 (got \(s))") }
        if !(learningRate > 0) || !learningRate.isFinite { throw CausewayError("--lr must be a positive number (got \(learningRate))") }
        if let w = warmupSteps, w < 0 { throw CausewayError("--warmup must be ≥ 0 (got \(w))") }
        if !(weightDecay >= 0) { throw CausewayError("--weight-decay must be ≥ 0 (got \(weightDecay))") }
        if !(clipNorm >= 0) { throw CausewayError("--clip must be ≥ 0 (got \(clipNorm); 0 disables clipping)") }
        if !(validationFraction >= 0 && validationFraction < 0.9) {
            throw CausewayError("--validation-fraction must be in [0, 0.9) (got \(validationFraction))")
        }
        if patience < 0 { throw CausewayError("--patience must be ≥ 0 (got \(patience))") }
        if shards < 1 { throw CausewayError("--shards must be at least 1 (got \(shards))") }
        if let e = evalEvery, e < 1 { throw CausewayError("--eval-every must be at least 1 (got \(e))") }
    }
}
