/// Everything besides parameters and optimizer moments that determines the rest of a run.
public struct TrainingState: Codable, Equatable, Sendable {
    /// Optimizer steps done. The batches are a function of the step (`ShardSchedule`), so no
    /// shuffle state is stored.
    public var step = 0
    public var bestValidationLoss = Double.infinity
    public var bestStep = 0
    public var evaluationsSinceBest = 0
    public var stoppedEarly = false
    /// Running sums for the next progress line / log record.
    public var lossSum = 0.0
    public var lossCount = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case step, bestValidationLoss, bestStep, evaluationsSinceBest,
             stoppedEarly, lossSum, lossCount
    }

    // Infinity is not valid JSON: encode the best loss as a string when infinite.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(bestValidationLoss.isFinite ? String(bestValidationLoss.bitPattern) : "inf", forKey: .bestValidationLoss)
        try c.encode(bestStep, forKey: .bestStep); try c.encode(evaluationsSinceBest, forKey: .evaluationsSinceBest)
        try c.encode(stoppedEarly, forKey: .stoppedEarly)
        try c.encode(String(lossSum.bitPattern), forKey: .lossSum); try c.encode(lossCount, forKey: .lossCount)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        step = try c.decode(Int.self, forKey: .step)
        let best = try c.decode(String.self, forKey: .bestValidationLoss)
        bestValidationLoss = best == "inf" ? .infinity : Double(bitPattern: UInt64(best) ?? 0)
        bestStep = try c.decode(Int.self, forKey: .bestStep)
        evaluationsSinceBest = try c.decode(Int.self, forKey: .evaluationsSinceBest)
        stoppedEarly = try c.decode(Bool.self, forKey: .stoppedEarly)
        lossSum = Double(bitPattern: UInt64(try c.decode(String.self, forKey: .lossSum)) ?? 0)
        lossCount = try c.decode(Int.self, forKey: .lossCount)
    }
}
