import Foundation

/// f(x) = Σ_h w2[h] tanh(Σ_j w1[h, j] x_j + b1[h]) - f(0) over a target's k parents
/// (x is [k], w1 is [hidden, k] row-major). With c_hj = w2[h] w1[h, j],
/// ∂f/∂x_j = Σ_h c_hj sech²(·) lies in [-N_j, P_j] (N_j, P_j the sums of the negative and
/// positive c_hj), so max(P_j, N_j) bounds input j's Lipschitz constant; the columns of w1
/// are scaled so that this bound equals the requested share.
struct ConcatMLP: Equatable {
    let inputs: Int
    let w1: [Double]   // [hidden, inputs]
    let b1: [Double]   // [hidden]
    let w2: [Double]   // [hidden]
    private(set) var offset = 0.0

    /// `shares` is [inputs]: the Lipschitz bound wanted for each input.
    init(shares: [Double], hidden: Int = 8, rng: inout RNG) {
        let k = shares.count
        inputs = k
        var w2 = (0..<hidden).map { _ in (rng.uniform() < 0.5 ? -1.0 : 1.0) * rng.uniform(0.5, 1.5) }
        // Each input leans one way (3 of 4 units agree in sign) so the bound is not wasted
        // on units that cancel each other.
        var w1 = [Double](repeating: 0, count: hidden * k)
        for j in 0..<k {
            let lean = rng.uniform() < 0.5 ? -1.0 : 1.0
            for h in 0..<hidden {
                let agree = rng.uniform() < 0.75 ? 1.0 : -1.0
                w1[h * k + j] = lean * agree * (w2[h] < 0 ? -1 : 1) * rng.uniform(0.5, 1.5) / Double(k).squareRoot()
            }
        }
        b1 = (0..<hidden).map { _ in rng.uniform(-1, 1) }
        let target = shares.reduce(0, +) / Double(k)
        let mean = (0..<k).map { ConcatMLP.bound(w1, w2, input: $0, inputs: k) }.reduce(0, +) / Double(k)
        w2 = w2.map { $0 * target / mean }
        for j in 0..<k {
            let s = shares[j] / ConcatMLP.bound(w1, w2, input: j, inputs: k)
            for h in 0..<hidden { w1[h * k + j] *= s }
        }
        self.w1 = w1
        self.w2 = w2
        offset = self([Double](repeating: 0, count: k))
    }

    /// max(P_j, N_j) for input j.
    static func bound(_ w1: [Double], _ w2: [Double], input j: Int, inputs k: Int) -> Double {
        var pos = 0.0, neg = 0.0
        for h in w2.indices {
            let c = w2[h] * w1[h * k + j]
            if c > 0 { pos += c } else { neg -= c }
        }
        return max(pos, neg)
    }

    func lipschitzBound(input j: Int) -> Double { ConcatMLP.bound(w1, w2, input: j, inputs: inputs) }

    /// `x` is [inputs].
    func callAsFunction(_ x: [Double]) -> Double {
        var y = 0.0
        for h in w2.indices {
            var z = b1[h]
            for j in 0..<inputs { z += w1[h * inputs + j] * x[j] }
            y += w2[h] * tanh(z)
        }
        return y - offset
    }
}
