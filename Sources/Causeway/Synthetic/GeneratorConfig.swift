/// How each target's value depends on its lagged parents (see `Mechanism`).
public enum MechanismFamily: String, CaseIterable, Codable, Sendable {
    case linear, monotonic, piecewise
    case mlpAdditive = "mlp-additive"
    case mlpConcat = "mlp-concat"
}

/// regular: one graph, new mechanism parameters per domain (same family);
/// extreme: also a new family per domain (domain 0 keeps the configured family).
public enum Heterogeneity: String, CaseIterable, Codable, Sendable { case regular, extreme }

/// Every distribution is scaled to unit variance before multiplying by `noiseScale`.
public enum NoiseDistribution: String, CaseIterable, Codable, Sendable { case gaussian, laplace, uniform }

/// File format of the generated domain series.
public enum DataFormat: String, CaseIterable, Sendable { case csv, npy }

/// Everything that determines a synthetic dataset; the same config gives the same bytes.
public struct GeneratorConfig: Codable, Sendable, Equatable {
    public var variables = 10, maxLag = 5, inDegree = 3, samples = 2000, domains = 1
    public var family: MechanismFamily = .linear
    public var heterogeneity: Heterogeneity = .regular
    public var noise: NoiseDistribution = .gaussian
    /// Standard deviation of the additive noise.
    public var noiseScale = 1.0
    public var seed: UInt64 = 0
    /// Steps simulated and discarded before the first kept sample.
    public var burnIn = 500

    public init() {}

    /// Errors name the command-line flag at fault.
    public func validate() throws {
        if variables < 2 { throw CausewayError("--variables must be at least 2, got \(variables)") }
        if maxLag < 1 { throw CausewayError("--max-lag must be at least 1, got \(maxLag)") }
        if inDegree < 1 || inDegree > variables {
            throw CausewayError("--in-degree must be in 1...\(variables) (the number of variables), got \(inDegree)")
        }
        // samples ≤ maxLag + 1, written so that no value (e.g. --max-lag 9223372036854775807) overflows
        if samples <= 1 || samples - 1 <= maxLag {
            throw CausewayError("--samples must be greater than --max-lag + 1 = \(maxLag < Int.max ? String(maxLag + 1) : "\(maxLag) + 1"), got \(samples)")
        }
        if domains < 1 { throw CausewayError("--domains must be at least 1, got \(domains)") }
        if !(noiseScale > 0) || !noiseScale.isFinite { throw CausewayError("--noise-scale must be a positive number, got \(noiseScale)") }
        if burnIn < 0 { throw CausewayError("--burn-in must be at least 0, got \(burnIn)") }
    }
}
