import Foundation

/// A random 1-D function g with Lipschitz constant at most 1 (exactly 1 for the closed
/// forms, a rigorous upper bound normalized to 1 for the MLP). Mechanisms scale it by
/// their per-parent share, so the share bounds that parent's influence.
enum ScalarFunction: Equatable {
    case identity
    /// tanh(c x) / c
    case tanh(c: Double)
    /// x / (1 + |x| / s)
    case rational(s: Double)
    /// leaky ReLU of (x - shift): slope 1 above, alpha below
    case leaky(alpha: Double, shift: Double)
    /// softplus(c (x - shift)) / c
    case softplus(c: Double, shift: Double)
    /// Continuous piecewise-linear: slopes[0] left of breaks[0], slopes[k] on
    /// [breaks[k-1], breaks[k]], the last slope to the right; value 0 at breaks[0].
    case piecewise(breaks: [Double], slopes: [Double])
    /// Σ_h w2[h] tanh(w1[h] x + b1[h]), one hidden layer.
    case mlp(w1: [Double], b1: [Double], w2: [Double])

    func callAsFunction(_ x: Double) -> Double {
        switch self {
        case .identity: return x
        case .tanh(let c): return Foundation.tanh(c * x) / c
        case .rational(let s): return x / (1 + abs(x) / s)
        case .leaky(let alpha, let shift): let u = x - shift; return u > 0 ? u : alpha * u
        case .softplus(let c, let shift):
            let u = c * (x - shift)
            return (max(u, 0) + log1p(exp(-abs(u)))) / c  // stable softplus
        case .piecewise(let breaks, let slopes):
            if x <= breaks[0] { return slopes[0] * (x - breaks[0]) }
            var y = 0.0
            for k in 1..<slopes.count {
                let lo = breaks[k - 1], hi = k < breaks.count ? breaks[k] : .infinity
                if x <= lo { break }
                y += slopes[k] * (min(x, hi) - lo)
            }
            return y
        case .mlp(let w1, let b1, let w2):
            var y = 0.0
            for h in w1.indices { y += w2[h] * Foundation.tanh(w1[h] * x + b1[h]) }
            return y
        }
    }

    // MARK: - Random draws

    /// A strictly monotone increasing function, Lipschitz 1, not flat near 0.
    static func randomMonotone(_ rng: inout RNG) -> ScalarFunction {
        switch rng.int(4) {
        case 0: return .tanh(c: rng.uniform(0.5, 1.5))
        case 1: return .rational(s: rng.uniform(0.5, 2))
        case 2: return .leaky(alpha: rng.uniform(0.1, 0.4), shift: rng.uniform(-0.5, 0.5))
        default: return .softplus(c: rng.uniform(1, 3), shift: rng.uniform(-0.5, 0.5))
        }
    }

    /// 2–4 pieces with breakpoints in [-1.5, 1.5]; slope magnitudes in [0.2, 1] with random
    /// signs (non-monotone allowed), one piece at exactly ±1.
    static func randomPiecewise(_ rng: inout RNG) -> ScalarFunction {
        let pieces = 2 + rng.int(3)
        let breaks = (0..<(pieces - 1)).map { _ in rng.uniform(-1.5, 1.5) }.sorted()
        var slopes = (0..<pieces).map { _ in (rng.uniform() < 0.5 ? -1.0 : 1.0) * rng.uniform(0.2, 1) }
        let steep = rng.int(pieces)
        slopes[steep] = slopes[steep] < 0 ? -1 : 1
        return .piecewise(breaks: breaks, slopes: slopes)
    }

    /// A tanh MLP with `hidden` units rescaled so that its Lipschitz constant is ≤ 1 and
    /// within a grid-resolution margin of 1 (see `mlpLipschitzBound`).
    static func randomMLP(_ rng: inout RNG, hidden: Int = 8) -> ScalarFunction {
        let w1 = (0..<hidden).map { _ in (rng.uniform() < 0.5 ? -1.0 : 1.0) * rng.uniform(0.5, 2) }
        let b1 = (0..<hidden).map { _ in rng.uniform(-1.5, 1.5) }
        var w2 = (0..<hidden).map { _ in rng.gaussian() }
        let bound = mlpLipschitzBound(w1: w1, b1: b1, w2: w2)
        w2 = w2.map { $0 / bound }
        return .mlp(w1: w1, b1: b1, w2: w2)
    }

    /// A rigorous upper bound on sup_x |f'(x)| for f = Σ w2 tanh(w1 x + b1), with
    /// f'(x) = Σ w2 w1 sech²(w1 x + b1):
    /// - on a grid of step δ covering every unit's |w1 x + b1| ≤ 6 region, sup|f'| ≤
    ///   max over the grid + (δ/2) · sup|f''|, and |f''| ≤ Σ |w2| w1² · 4/(3√3);
    /// - outside it every sech² ≤ sech²(6), so |f'| ≤ Σ |w2 w1| sech²(6).
    static func mlpLipschitzBound(w1: [Double], b1: [Double], w2: [Double]) -> Double {
        let u = 6.0
        var lo = Double.infinity, hi = -Double.infinity
        for h in w1.indices {
            let c = -b1[h] / w1[h], r = u / abs(w1[h])
            lo = min(lo, c - r); hi = max(hi, c + r)
        }
        let delta = 0.005
        var maxGrid = 0.0
        var x = lo
        while x <= hi + delta {
            var d = 0.0
            for h in w1.indices { let s = 1 / cosh(w1[h] * x + b1[h]); d += w2[h] * w1[h] * s * s }
            maxGrid = max(maxGrid, abs(d))
            x += delta
        }
        var second = 0.0, total = 0.0
        for h in w1.indices { second += abs(w2[h]) * w1[h] * w1[h]; total += abs(w2[h] * w1[h]) }
        let sechU = 1 / cosh(u)
        return max(maxGrid + delta / 2 * second * 4 / (3 * 3.0.squareRoot()), total * sechU * sechU)
    }
}
