import Foundation

extension NoiseDistribution {
    /// One draw with mean 0 and variance 1.
    func sample(_ rng: inout RNG) -> Double {
        switch self {
        case .gaussian:
            return rng.gaussian()
        case .laplace:
            // Inverse CDF with scale b = 1/√2 (variance 2b² = 1).
            var u = rng.uniform() - 0.5
            while u == -0.5 { u = rng.uniform() - 0.5 }
            return -(u < 0 ? -1 : 1) * log(1 - 2 * abs(u)) / 2.0.squareRoot()
        case .uniform:
            return rng.uniform(-3.0.squareRoot(), 3.0.squareRoot())
        }
    }
}
