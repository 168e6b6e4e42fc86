/// One target's structural function: x_{i,t} = f_i(parents) + noise.
/// The Lipschitz constants over the parents sum to at most `Mechanism.totalLipschitz`
/// (0.9), so the whole system is a contraction and never blows up; each parent gets a
/// share drawn uniformly in [0.5, 1] before normalization, so no edge is negligible.
enum Mechanism: Equatable {
    /// Σ_j weights[j] · (g_j(x_j) - g_j(0)), with Lip(g_j) ≤ 1 and |weights[j]| the share.
    case additive(weights: [Double], functions: [ScalarFunction], offsets: [Double])
    /// One MLP over the concatenated parents.
    case concat(ConcatMLP)

    static let totalLipschitz = 0.9

    /// A random mechanism of `family` over `parents` inputs.
    static func random(_ family: MechanismFamily, parents k: Int, rng: inout RNG) -> Mechanism {
        var shares = (0..<k).map { _ in rng.uniform(0.5, 1) }
        let sum = shares.reduce(0, +)
        shares = shares.map { $0 * totalLipschitz / sum }
        if family == .mlpConcat { return .concat(ConcatMLP(shares: shares, rng: &rng)) }
        var weights: [Double] = [], functions: [ScalarFunction] = []
        for j in 0..<k {
            let g: ScalarFunction
            switch family {
            case .linear: g = .identity
            case .monotonic: g = .randomMonotone(&rng)
            case .piecewise: g = .randomPiecewise(&rng)
            case .mlpAdditive, .mlpConcat: g = .randomMLP(&rng)
            }
            functions.append(g)
            weights.append((rng.uniform() < 0.5 ? -1 : 1) * shares[j])
        }
        return .additive(weights: weights, functions: functions, offsets: functions.map { $0(0) })
    }

    /// f(x) for parent values x ([parents]).
    func callAsFunction(_ x: [Double]) -> Double {
        switch self {
        case .additive(let weights, let functions, let offsets):
            var y = 0.0
            for j in weights.indices { y += weights[j] * (functions[j](x[j]) - offsets[j]) }
            return y
        case .concat(let mlp):
            return mlp(x)
        }
    }

    /// Upper bound on the Lipschitz constant in parent j.
    func lipschitzBound(parent j: Int) -> Double {
        switch self {
        case .additive(let weights, _, _): return abs(weights[j])
        case .concat(let mlp): return mlp.lipschitzBound(input: j)
        }
    }
}
