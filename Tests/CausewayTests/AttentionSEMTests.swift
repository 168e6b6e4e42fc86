import Foundation
import Testing
@testable import Causeway

/// The ABCD readout's numerical core against independent references: covariance, correlation
/// and partial correlations of attention SEMs worked by hand; |S| ≥ 2 partial correlations
/// against the regression-residual definition and the precision-matrix formula (the tests' own
/// Gaussian elimination); Fisher-z p-values at known normal quantiles; the lagged PC search on
/// the exact covariance of a linear-Gaussian VAR (discrete Lyapunov equation).
@Suite struct AttentionSEMTests {
    /// 3 tokens: Z0 = V0, Z1 = (V0 + V1)/2, Z2 = (V0 + V1)/4 + V2/2 = Z1/2 + V2/2.
    static let a3: [Double] = [1, 0, 0,
                               0.5, 0.5, 0,
                               0.25, 0.25, 0.5]

    /// 4 tokens, row k the uniform average of tokens 0…k: Z_k = mean(V_0…V_k), a Markov chain
    /// Z0 → Z1 → Z2 → Z3 (Z_k = (k·Z_{k−1} + V_k)/(k + 1)).
    static let a4: [Double] = [1, 0, 0, 0,
                               1.0 / 2, 1.0 / 2, 0, 0,
                               1.0 / 3, 1.0 / 3, 1.0 / 3, 0,
                               1.0 / 4, 1.0 / 4, 1.0 / 4, 1.0 / 4]

    @Test func covarianceAndCorrelationOfAThreeTokenSEMWorkedByHand() {
        // C = A·Aᵀ by hand: C00 = 1, C01 = 1/2, C02 = 1/4, C11 = 1/4 + 1/4 = 1/2,
        // C12 = 1/8 + 1/8 = 1/4, C22 = 1/16 + 1/16 + 1/4 = 3/8 (all exact in binary)
        let c = AttentionSEM.covariance(attention: Self.a3, tokens: 3)
        let expected: [Double] = [1, 0.5, 0.25, 0.5, 0.5, 0.25, 0.25, 0.25, 0.375]
        for k in 0..<9 { #expect(isClose(c[k], expected[k], rel: 0, abs: 1e-15), "C[\(k)]") }
        // R_ij = C_ij / √(C_ii C_jj): R01 = (1/2)/√(1/2) = 1/√2, R02 = (1/4)/√(3/8) = 1/√6,
        // R12 = (1/4)/√(3/16) = 1/√3
        let r = AttentionSEM.correlation(fromCovariance: c, tokens: 3)
        let r01 = 1 / 2.0.squareRoot(), r02 = 1 / 6.0.squareRoot(), r12 = 1 / 3.0.squareRoot()
        let expectedR = [1, r01, r02, r01, 1, r12, r02, r12, 1]
        for k in 0..<9 { #expect(isClose(r[k], expectedR[k], rel: 1e-14, abs: 1e-15), "R[\(k)]") }
        // ρ(0, 2 | 1) = (1/√6 − 1/√2·1/√3) / … = 0 (Z2 depends on Z0 only through Z1);
        // ρ(0, 1 | 2) = (1/√2 − 1/√18) / √((1 − 1/6)(1 − 1/3)) = (2/(3√2)) / √(10/18) = 2/√10
        #expect(isClose(GaussianCITest.partialCorrelation(r, size: 3, 0, 2, given: [1]), 0, rel: 0, abs: 1e-14))
        #expect(isClose(GaussianCITest.partialCorrelation(r, size: 3, 0, 1, given: [2]), 2 / 10.0.squareRoot(), rel: 1e-13, abs: 0))
        #expect(isClose(GaussianCITest.partialCorrelation(r, size: 3, 1, 0, given: []), r01, rel: 1e-14, abs: 0))
    }

    @Test func partialCorrelationsOfAFourTokenMarkovChainWorkedByHand() throws {
        // C_ij = Σ_{k ≤ min(i,j)} 1/((i+1)(j+1)) = 1/(max(i, j) + 1); R_ij = √((min + 1)/(max + 1))
        let c = AttentionSEM.covariance(attention: Self.a4, tokens: 4)
        let r = AttentionSEM.correlation(fromCovariance: c, tokens: 4)
        for i in 0..<4 { for j in 0..<4 {
            #expect(isClose(c[i * 4 + j], 1 / Double(max(i, j) + 1), rel: 1e-15, abs: 0))
            #expect(isClose(r[i * 4 + j], (Double(min(i, j) + 1) / Double(max(i, j) + 1)).squareRoot(), rel: 1e-14, abs: 0))
        } }
        // the chain: Z0 ⟂ (Z2, Z3) | Z1 and Z3 ⟂ (Z0, Z1) | Z2
        for (x, y, s) in [(0, 3, [1, 2]), (1, 3, [0, 2]), (0, 2, [1, 3]), (0, 3, [2, 1])] {
            #expect(isClose(GaussianCITest.partialCorrelation(r, size: 4, x, y, given: s), 0, rel: 0, abs: 1e-13), "ρ(\(x), \(y) | \(s))")
        }
        // ρ(0, 1 | {2, 3}) = ρ(0, 1 | 2) (Z3 ⟂ (Z0, Z1) | Z2) = (√(1/2) − √(1/3)√(2/3)) / √((1 − 1/3)(1 − 2/3))
        // = (1/(3√2)) / (√2/3) = 1/2
        #expect(isClose(GaussianCITest.partialCorrelation(r, size: 4, 0, 1, given: [2, 3]), 0.5, rel: 1e-13, abs: 0))
        #expect(isClose(GaussianCITest.partialCorrelation(c, size: 4, 1, 0, given: [3, 2]), 0.5, rel: 1e-13, abs: 0))
        // the accumulator: the mean of A4·A4ᵀ and I·Iᵀ is (C + I)/2, exactly symmetric
        var acc = CovarianceAccumulator(tokens: 4)
        expectError("no attention matrix") { _ = try acc.mean() }
        acc.add(attention: Self.a4)
        var other = CovarianceAccumulator(tokens: 4)
        other.add(attention: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
        acc.merge(other)
        #expect(acc.count == 2)
        let mean = try acc.mean()
        for i in 0..<4 { for j in 0..<4 {
            #expect(isClose(mean[i * 4 + j], (c[i * 4 + j] + (i == j ? 1 : 0)) / 2, rel: 1e-15, abs: 0))
            #expect(mean[i * 4 + j] == mean[j * 4 + i])
            #expect(c[i * 4 + j] == c[j * 4 + i])
        } }
    }

    @Test func forecastCovarianceOfOneVariableWorkedByHand() {
        // p = 1, W = 2 tokens: query 0 attends to token 0; query 1 to tokens 0 and 1 with 1/4, 3/4.
        // Nodes x0, x1, x2: x1 = x0 + ε1, x2 = x0/4 + 3·x1/4 + ε2 = x0 + 3ε1/4 + ε2, unit noises:
        // Var = 1, 2, 1 + 9/16 + 1; Cov(x0, ·) = 1; Cov(x1, x2) = 1 + 3/4 (all exact in binary)
        let c = AttentionSEM.forecastCovariance(attention: [1, 0, 0.25, 0.75], variables: 1, steps: 2)
        let expected: [Double] = [1, 1, 1, 1, 2, 1.75, 1, 1.75, 2.5625]
        for k in 0..<9 { #expect(isClose(c[k], expected[k], rel: 0, abs: 1e-15), "C[\(k)] = \(c[k])") }
    }

    /// Random block-causal attention for p variables and W steps (query (i, s) sees steps ≤ s),
    /// rows positive and summing to 1; `zero` lists (query, key) entries set to 0 before the rows
    /// are normalised.
    static func blockCausalAttention(p: Int, steps w: Int, seed: UInt64, zero: Set<[Int]> = []) -> [Double] {
        var rng = RNG(seed: seed)
        let t = w * p
        var a = [Double](repeating: 0, count: t * t)
        for q in 0..<t {
            let visible = (q / p + 1) * p
            for k in 0..<visible where !zero.contains([q, k]) { a[q * t + k] = exp(rng.gaussian()) }
            let s = (0..<visible).reduce(0) { $0 + a[q * t + $1] }
            for k in 0..<visible { a[q * t + k] /= s }
        }
        return a
    }

    @Test func forecastCovarianceSolvesTheSEMItDefines() {
        // (I − B)·C·(I − B)ᵀ = I with B built here from its definition (row (i, s + 1) = row (i, s) of A)
        let p = 2, w = 3, t = w * p, n = (w + 1) * p
        let a = Self.blockCausalAttention(p: p, steps: w, seed: 5)
        let c = AttentionSEM.forecastCovariance(attention: a, variables: p, steps: w)
        var ib = [Double](repeating: 0, count: n * n)
        for k in 0..<n { ib[k * n + k] = 1 }
        for q in 0..<t { for k in 0..<t where k < (q / p + 1) * p { ib[(q + p) * n + k] -= a[q * t + k] } }
        for x in 0..<n { for y in 0..<n {
            var v = 0.0
            for u in 0..<n { for z in 0..<n { v += ib[x * n + u] * c[u * n + z] * ib[y * n + z] } }
            #expect(isClose(v, x == y ? 1 : 0, rel: 0, abs: 1e-12), "[(I − B)C(I − B)ᵀ](\(x), \(y)) = \(v)")
            #expect(c[x * n + y] == c[y * n + x])
            #expect(c[x * n + y] >= 0 && c[x * n + y] <= Double((w + 1) * (w + 1)))
        } }
    }

    @Test func searchOnTheForecastSEMFindsTheAttendedTokens() throws {
        // p = 3, W = 3: the last-step queries of targets 0 and 2 attend only to chosen tokens; the
        // other queries attend to everything visible. Target 0 at t ← (1, step 1) and (0, step 2),
        // i.e. source 1 at lag 2 and source 0 at lag 1; target 2 at t ← (2, step 0): lag 3.
        let p = 3, w = 3, t = w * p
        let q0 = 2 * p + 0, q2 = 2 * p + 2
        var zero = Set<[Int]>()
        for k in 0..<t where ![1 * p + 1, 2 * p + 0].contains(k) { zero.insert([q0, k]) }
        for k in 0..<t where k != 0 * p + 2 { zero.insert([q2, k]) }
        let a = Self.blockCausalAttention(p: p, steps: w, seed: 9, zero: zero)
        let n = (w + 1) * p
        let r = AttentionSEM.correlation(fromCovariance: AttentionSEM.forecastCovariance(attention: a, variables: p, steps: w), tokens: n)
        let map = try ABCD.tokenMap(variables: p, window: w)
        let res = try LaggedPCSearch.search(correlation: r, tokens: n, map: map, settings: .init(alpha: 0.01, sampleSize: 1_000_000))
        #expect(res.parents.filter { $0.target == 0 } == [LaggedEdge(source: 0, target: 0, lag: 1), LaggedEdge(source: 1, target: 0, lag: 2)].sorted(),
                "parents of 0: \(res.parents.filter { $0.target == 0 })")
        #expect(res.parents.filter { $0.target == 2 } == [LaggedEdge(source: 2, target: 2, lag: 3)])
        // target 1 attends to all 9 tokens: each is a parent of its node
        #expect(res.parents.filter { $0.target == 1 }.count == 9)
    }

    /// Random row-stochastic [n, n] attention (positive entries, softmax-like).
    static func randomAttention(_ n: Int, seed: UInt64) -> [Double] {
        var rng = RNG(seed: seed)
        var a = (0..<(n * n)).map { _ in exp(rng.gaussian()) }
        for i in 0..<n {
            let s = (0..<n).reduce(0) { $0 + a[i * n + $1] }
            for j in 0..<n { a[i * n + j] /= s }
        }
        return a
    }

    @Test func partialCorrelationIsTheCorrelationOfRegressionResiduals() {
        let n = 7
        let c = AttentionSEM.covariance(attention: Self.randomAttention(n, seed: 11), tokens: n)
        let r = AttentionSEM.correlation(fromCovariance: c, tokens: n)
        var rng = RNG(seed: 4)
        for size in 0...5 {
            for _ in 0..<6 {
                var idx = Array(0..<n)
                for k in stride(from: n - 1, to: 0, by: -1) { idx.swapAt(k, rng.int(k + 1)) }
                let x = idx[0], y = idx[1], s = Array(idx[2..<(2 + size)])
                // reference 1: regress x and y on S (normal equations C_SS·β = C_S·), correlate residuals
                var vx = c[x * n + x], vy = c[y * n + y], cov = c[x * n + y]
                if size > 0 {
                    let css = s.flatMap { a in s.map { b in c[a * n + b] } }
                    let bx = solveLinearSystem(css, s.map { c[$0 * n + x] }, size)
                    let by = solveLinearSystem(css, s.map { c[$0 * n + y] }, size)
                    for (q, z) in s.enumerated() { vx -= c[x * n + z] * bx[q]; vy -= c[y * n + z] * by[q]; cov -= c[x * n + z] * by[q] }
                }
                let reference = cov / (vx * vy).squareRoot()
                // reference 2: −P_xy / √(P_xx P_yy), P the inverse of R over (x, y, S), column by column
                let sub = [x, y] + s, m = sub.count
                let rsub = sub.flatMap { a in sub.map { b in r[a * n + b] } }
                let col0 = solveLinearSystem(rsub, (0..<m).map { $0 == 0 ? 1 : 0 }, m)
                let col1 = solveLinearSystem(rsub, (0..<m).map { $0 == 1 ? 1 : 0 }, m)
                let precision = -col0[1] / (col0[0] * col1[1]).squareRoot()
                #expect(isClose(reference, precision, rel: 1e-9, abs: 1e-12))
                let fromC = GaussianCITest.partialCorrelation(c, size: n, x, y, given: s)
                let fromR = GaussianCITest.partialCorrelation(r, size: n, x, y, given: s)
                #expect(isClose(fromC, reference, rel: 1e-9, abs: 1e-12), "ρ(\(x), \(y) | \(s)) = \(fromC), reference \(reference)")
                #expect(isClose(fromR, reference, rel: 1e-9, abs: 1e-12))
                #expect(isClose(GaussianCITest.partialCorrelation(r, size: n, y, x, given: s.reversed()), fromR, rel: 1e-12, abs: 1e-14))
            }
        }
    }

    @Test func singularAndZeroVarianceCasesGiveNaNNotATrap() {
        // tokens 1 and 2 have the same attention row (identical outputs); token 4 attends nowhere
        let base = Self.randomAttention(5, seed: 3)
        var a = base
        for j in 0..<5 { a[2 * 5 + j] = a[1 * 5 + j]; a[4 * 5 + j] = 0 }
        let r = AttentionSEM.correlation(fromCovariance: AttentionSEM.covariance(attention: a, tokens: 5), tokens: 5)
        for k in 0..<5 { #expect(r[4 * 5 + k].isNaN && r[k * 5 + 4].isNaN) }
        #expect(isClose(r[1 * 5 + 2], 1, rel: 0, abs: 1e-14))
        let pc = { (x: Int, y: Int, s: [Int]) in GaussianCITest.partialCorrelation(r, size: 5, x, y, given: s) }
        #expect(pc(0, 3, [1, 2]).isNaN)          // C_SS singular (duplicated token)
        #expect(pc(1, 3, [2]).isNaN)             // x determined by S
        #expect(pc(0, 3, [1, 0]).isNaN)          // x ∈ S
        #expect(pc(0, 1, [3, 3]).isNaN)          // a repeated index in S
        #expect(pc(0, 4, []).isNaN && pc(0, 3, [4]).isNaN && pc(0, 1, [3, 4]).isNaN)   // zero variance
        // x and y collinear given S (but neither determined by S): ρ = 1, still defined
        #expect(isClose(pc(1, 2, [0]), 1, rel: 0, abs: 1e-12))
        #expect(isClose(pc(1, 2, [0, 3]), 1, rel: 0, abs: 1e-12))
        #expect(GaussianCITest.fisherZPValue(pc(0, 4, []), sampleSize: 100, conditioningSize: 0).isNaN)
    }

    @Test func fisherZPValuesAtKnownNormalQuantiles() {
        // z_{1−p/2} = √2·erfc⁻¹(p) (40-digit values rounded to Double): ρ = ±tanh(z/√(n − k − 3))
        // puts Fisher's statistic exactly at the quantile, so the two-sided p-value is p
        let cases: [(z: Double, p: Double, n: Double, k: Int, sign: Double)] = [
            (1.959963984540054, 0.05, 103, 0, 1),      // √100 = 10
            (2.5758293035489008, 0.01, 50, 3, -1),     // √44
            (1.6448536269514727, 0.1, 12.5, 1, 1),     // an effective (fractional) sample size: √8.5
            (3.290526731491895, 0.001, 1_000_000, 7, -1),
        ]
        for c in cases {
            let rho = c.sign * tanh(c.z / (c.n - Double(c.k) - 3).squareRoot())
            let p = GaussianCITest.fisherZPValue(rho, sampleSize: c.n, conditioningSize: c.k)
            #expect(isClose(p, c.p, rel: 1e-12, abs: 0), "z \(c.z): p \(p)")
        }
        // conventions
        #expect(GaussianCITest.fisherZPValue(0.9, sampleSize: 5, conditioningSize: 2) == 1)    // n − k − 3 = 0
        #expect(GaussianCITest.fisherZPValue(0.9, sampleSize: 3, conditioningSize: 0) == 1)
        #expect(GaussianCITest.fisherZPValue(0, sampleSize: 100, conditioningSize: 0) == 1)
        #expect(GaussianCITest.fisherZPValue(.nan, sampleSize: 100, conditioningSize: 0).isNaN)
        // |ρ| = 1 is clamped to 1 − 1e-12: a tiny, finite, positive p (z ≈ 14.2 at n − k − 3 = 1)
        let one = GaussianCITest.fisherZPValue(1, sampleSize: 4, conditioningSize: 0)
        #expect(one == GaussianCITest.fisherZPValue(-1, sampleSize: 4, conditioningSize: 0))
        #expect(one == GaussianCITest.fisherZPValue(1 - 1e-12, sampleSize: 4, conditioningSize: 0))
        #expect(one > 0 && one < 1e-40)
        // more samples, smaller p
        #expect(GaussianCITest.fisherZPValue(0.1, sampleSize: 1000, conditioningSize: 2)
                < GaussianCITest.fisherZPValue(0.1, sampleSize: 100, conditioningSize: 2))
    }
}

/// The lagged PC search on the exact covariance of a linear-Gaussian VAR(2).
@Suite struct AttentionSEMLaggedPCSearchTests {
    /// p = 4, L = 2: X_t[i] = Σ coefficient·X_{t−lag}[source] + e_i, e ~ N(0, I).
    static let edges: [(source: Int, target: Int, lag: Int, coefficient: Double)] = [
        (0, 0, 1, 0.5), (0, 1, 1, 0.6), (1, 1, 2, -0.4), (1, 2, 2, -0.5),
        (2, 2, 1, 0.4), (2, 3, 1, 0.45), (0, 3, 2, -0.5),
    ]
    static let p = 4, L = 2

    /// Covariance [12, 12] of the stacked vector s_t = (X_t, X_{t−1}, X_{t−2}) (index ℓ·p + j for
    /// variable j at t − ℓ): the stationary solution of Σ = F·Σ·Fᵀ + Q, F the companion matrix
    /// (order 3, the lag-3 block zero), Q = diag(I_p, 0, 0), solved as the linear system
    /// (I − F⊗F)·vec Σ = vec Q by the tests' own Gaussian elimination.
    static func stackedCovariance() -> [Double] {
        let d = 3 * p
        var f = [Double](repeating: 0, count: d * d)
        for e in edges { f[e.target * d + (e.lag - 1) * p + e.source] = e.coefficient }
        for k in p..<d { f[k * d + k - p] = 1 }   // shift: (t−ℓ) of s_t is (t−ℓ+1) of s_{t−1}
        let dd = d * d
        var m = [Double](repeating: 0, count: dd * dd), q = [Double](repeating: 0, count: dd)
        for a in 0..<d { for b in 0..<d {
            let row = (a * d + b) * dd
            m[row + a * d + b] = 1
            for c in 0..<d where f[a * d + c] != 0 { for e in 0..<d where f[b * d + e] != 0 {
                m[row + c * d + e] -= f[a * d + c] * f[b * d + e]
            } }
        } }
        for i in 0..<p { q[i * d + i] = 1 }
        let sigma = solveLinearSystem(m, q, dd)
        // it solves the Lyapunov equation
        for a in 0..<d { for b in 0..<d {
            var s = a == b && a < p ? 1.0 : 0
            for c in 0..<d { for e in 0..<d { s += f[a * d + c] * sigma[c * d + e] * f[b * d + e] } }
            precondition(Swift.abs(s - sigma[a * d + b]) < 1e-10, "Lyapunov residual at (\(a), \(b))")
        } }
        return sigma
    }

    /// Target i at t is token i, variable j at t − ℓ is token ℓ·p + j.
    static func map() throws -> LaggedTokenMap {
        try LaggedTokenMap(variables: p, maxLag: L, past: (0..<(L * p)).map { p + $0 }, present: Array(0..<p))
    }

    static var truth: [LaggedEdge] { edges.map { LaggedEdge(source: $0.source, target: $0.target, lag: $0.lag) }.sorted() }

    @Test func recoversTheTrueLaggedParentsFromTheExactCovariance() throws {
        let sigma = Self.stackedCovariance()
        #expect(isClose(sigma[0], 4.0 / 3, rel: 1e-12, abs: 0))   // Var(X_t[0]) = 1/(1 − 0.5²), an AR(1)
        let r = AttentionSEM.correlation(fromCovariance: sigma, tokens: 12)
        let big = try LaggedPCSearch.search(correlation: r, tokens: 12, map: Self.map(),
                                            settings: .init(alpha: 0.01, sampleSize: 1_000_000))
        #expect(big.parents == Self.truth, "parents \(big.parents)")
        for e in Self.truth {
            #expect(big.pValues[e.lag, e.source, e.target] < 1e-30)
            #expect(big.scores[e.lag, e.source, e.target] > 0.2)
        }
        // every non-parent was removed by a test with ρ = 0 up to rounding (p > α)
        for lag in 1...Self.L { for j in 0..<Self.p { for i in 0..<Self.p where !Self.truth.contains(LaggedEdge(source: j, target: i, lag: lag)) {
            #expect(big.pValues[lag, j, i] > 0.01)
        } } }
        // few samples: the weaker partial correlations are no longer significant
        let small = try LaggedPCSearch.search(correlation: r, tokens: 12, map: Self.map(),
                                              settings: .init(alpha: 0.01, sampleSize: 30))
        #expect(small.parents.count < Self.truth.count, "parents at n = 30: \(small.parents)")
        #expect(!small.parents.isEmpty && Set(small.parents).isSubset(of: Self.truth))   // here 5 of the 7
    }

    @Test func conditioningSizeZeroIsTheMarginalTestInCausewaysLayout() throws {
        let r = AttentionSEM.correlation(fromCovariance: Self.stackedCovariance(), tokens: 12)
        let map = try Self.map()
        let res = try LaggedPCSearch.search(correlation: r, tokens: 12, map: map,
                                            settings: .init(alpha: 0.05, sampleSize: 200, maxConditioningSize: 0))
        for lag in 1...Self.L { for j in 0..<Self.p { for i in 0..<Self.p {
            let rho = r[i * 12 + map.token(variable: j, lag: lag)]
            #expect(isClose(Double(res.scores[lag, j, i]), Swift.abs(rho), rel: 1e-6, abs: 0))
            let pv = GaussianCITest.fisherZPValue(rho, sampleSize: 200, conditioningSize: 0)
            #expect(isClose(Double(res.pValues[lag, j, i]), pv, rel: 1e-6, abs: 1e-40))
            #expect(res.parents.contains(LaggedEdge(source: j, target: i, lag: lag)) == (pv <= 0.05))
        } } }
        #expect(res.tests == Self.L * Self.p * Self.p)
    }

    static func bits(_ t: ScoreTensor) -> [UInt32] { t.values.map(\.bitPattern) }

    @Test func deterministicAndSplittableByTarget() throws {
        // an attention SEM: 16 tokens, p = 3 variables, L = 4 lags (12 past tokens, 3 present, 1 unused)
        let n = 16
        let r = AttentionSEM.correlation(fromCovariance: AttentionSEM.covariance(attention: AttentionSEMTests.randomAttention(n, seed: 8), tokens: n), tokens: n)
        let map = try LaggedTokenMap(variables: 3, maxLag: 4, past: Array(0..<12), present: [13, 14, 15])
        for settings in [LaggedPCSearch.Settings(alpha: 0.05, sampleSize: 300),
                         LaggedPCSearch.Settings(alpha: 0.01, sampleSize: 2000, subsetsPerSize: 3)] {
            let a = try LaggedPCSearch.search(correlation: r, tokens: n, map: map, settings: settings)
            let b = try LaggedPCSearch.search(correlation: r, tokens: n, map: map, settings: settings)
            #expect(Self.bits(a.scores) == Self.bits(b.scores) && Self.bits(a.pValues) == Self.bits(b.pValues))
            #expect(a.parents == b.parents && a.tests == b.tests)
            // one target at a time, in reverse order, joined afterwards
            let parts = try [2, 1, 0].map { try LaggedPCSearch.searchTarget($0, correlation: r, tokens: n, map: map, settings: settings) }
            let joined = try LaggedPCSearch.assemble(parts, map: map)
            #expect(Self.bits(joined.scores) == Self.bits(a.scores) && Self.bits(joined.pValues) == Self.bits(a.pValues))
            #expect(joined.parents == a.parents && joined.tests == a.tests)
            #expect(!a.pValues.values.contains { $0.isNaN })
            // each record is the test it names: |ρ| of the last test given its conditioning set;
            // a removed candidate's p-value is that test's and exceeds α, a survivor's is ≤ α
            for part in parts {
                for c in 0..<12 {
                    let s = part.conditioningSets[c]
                    let rho = GaussianCITest.partialCorrelation(r, size: n, map.past[c], map.present[part.target], given: s.map { map.past[$0] })
                    #expect(part.scores[c] == Swift.abs(rho))
                    #expect(part.minAbsCorrelations[c] <= part.scores[c])
                    if part.survived[c] {
                        #expect(part.pValues[c] <= settings.alpha)
                    } else {
                        #expect(part.pValues[c] == GaussianCITest.fisherZPValue(rho, sampleSize: settings.sampleSize, conditioningSize: s.count))
                        #expect(part.pValues[c] > settings.alpha)
                    }
                }
            }
            // a target not searched is NaN in the joined tensors
            let partial = try LaggedPCSearch.assemble([parts[0]], map: map)
            #expect(partial.pValues[1, 0, 0].isNaN && !partial.pValues[1, 0, 2].isNaN)
        }
    }

    @Test func zeroVarianceAndDuplicatedTokensDoNotStopTheSearch() throws {
        // 8 tokens, p = 2, L = 3: past tokens 0…5, present 6, 7. Token 2 attends nowhere (zero
        // variance: untestable); tokens 4 and 5 are identical (conditioning on one determines the other)
        var a = AttentionSEMTests.randomAttention(8, seed: 12)
        for j in 0..<8 { a[2 * 8 + j] = 0; a[5 * 8 + j] = a[4 * 8 + j] }
        let r = AttentionSEM.correlation(fromCovariance: AttentionSEM.covariance(attention: a, tokens: 8), tokens: 8)
        let map = try LaggedTokenMap(variables: 2, maxLag: 3, past: Array(0..<6), present: [6, 7])
        let res = try LaggedPCSearch.search(correlation: r, tokens: 8, map: map, settings: .init(alpha: 0.05, sampleSize: 500))
        // token 2 is variable 0 at lag 2
        for i in 0..<2 {
            #expect(res.pValues[2, 0, i].isNaN && res.scores[2, 0, i].isNaN)
            #expect(!res.parents.contains(LaggedEdge(source: 0, target: i, lag: 2)))
        }
        for lag in 1...3 { for j in 0..<2 where !(lag == 2 && j == 0) { for i in 0..<2 {
            #expect(!res.pValues[lag, j, i].isNaN)
        } } }
    }

    @Test func invalidMapsAndSettingsAreErrors() throws {
        expectError("token 3", "variable 1 at lag 1", "variable 0 at lag 2") {
            _ = try LaggedTokenMap(variables: 2, maxLag: 2, past: [0, 3, 3, 4], present: [5, 6])
        }
        expectError("target 1", "also variable 0 at lag 1") {
            _ = try LaggedTokenMap(variables: 2, maxLag: 1, past: [0, 1], present: [2, 0])
        }
        expectError("4 past and 2 present") { _ = try LaggedTokenMap(variables: 2, maxLag: 2, past: [0, 1, 2], present: [5, 6]) }
        expectError("negative") { _ = try LaggedTokenMap(variables: 1, maxLag: 1, past: [-1], present: [0]) }
        let map = try LaggedTokenMap(variables: 2, maxLag: 1, past: [0, 1], present: [2, 2])   // shared present token: allowed
        let r: [Double] = [1, 0.2, 0.3, 0.2, 1, 0.1, 0.3, 0.1, 1]
        let ok = LaggedPCSearch.Settings(alpha: 0.05, sampleSize: 100)
        _ = try LaggedPCSearch.search(correlation: r, tokens: 3, map: map, settings: ok)
        expectError("4 correlation values for 3 tokens") { _ = try LaggedPCSearch.search(correlation: [1, 0, 0, 1], tokens: 3, map: map, settings: ok) }
        expectError("outside the 2 tokens") { _ = try LaggedPCSearch.search(correlation: [1, 0, 0, 1], tokens: 2, map: map, settings: ok) }
        for bad in [0.0, 1.0, .nan] {
            expectError("significance level") { _ = try LaggedPCSearch.search(correlation: r, tokens: 3, map: map, settings: .init(alpha: bad, sampleSize: 100)) }
        }
        expectError("sample size") { _ = try LaggedPCSearch.search(correlation: r, tokens: 3, map: map, settings: .init(alpha: 0.05, sampleSize: 0)) }
        expectError("subsets per conditioning size") {
            _ = try LaggedPCSearch.search(correlation: r, tokens: 3, map: map, settings: .init(alpha: 0.05, sampleSize: 100, subsetsPerSize: 0))
        }
        expectError("target 2") { _ = try LaggedPCSearch.searchTarget(2, correlation: r, tokens: 3, map: map, settings: ok) }
        let one = try LaggedPCSearch.searchTarget(0, correlation: r, tokens: 3, map: map, settings: ok)
        expectError("two results for target 0") { _ = try LaggedPCSearch.assemble([one, one], map: map) }
    }
}
