import Foundation
import Testing
@testable import Causeway

/// The significance kernels against independent references: Student's t tail and the
/// incomplete beta against SciPy values, BH/BY q-values against SciPy's
/// `false_discovery_control` and against a brute-force step-up, the Gaussian conditional
/// against a direct least-squares fit, and the CPI tests on a trained model (true edge
/// detected, null p-values not small, same bits on 1 and 2 threads).
@Suite struct StudentTTests {
    @Test func upperTailMatchesSciPy() {
        // scipy.stats.t.sf(t, df)
        let cases: [(Double, Double, Double)] = [
            (0.0, 5, 0.5), (1.0, 1, 0.25000000000000006), (2.5, 10, 0.01572342211830441),
            (-1.3, 7, 0.8826160823038114), (4.0, 199, 4.463827937841262e-05), (8.0, 30, 3.1329112378503795e-09),
            (0.3, 2.5, 0.39367118574759863), (-6, 12, 0.9999689163056757),
        ]
        for (t, df, ref) in cases {
            #expect(isClose(StudentT.upperTail(t, df: df), ref, rel: 1e-9, abs: 1e-15), "t \(t) df \(df)")
        }
        #expect(StudentT.upperTail(.infinity, df: 3) == 0)
        #expect(StudentT.upperTail(-.infinity, df: 3) == 1)
        #expect(StudentT.upperTail(.nan, df: 3).isNaN)
    }

    @Test func incompleteBetaMatchesSciPy() {
        // scipy.special.betainc(a, b, x)
        let cases: [(Double, Double, Double, Double)] = [
            (0.3, 2, 3, 0.34829999999999994), (0.9, 0.5, 0.5, 0.7951672353008665),
            (0.01, 5, 0.5, 2.4712578086395438e-11), (0.75, 10, 2, 0.1970973014831543), (0.5, 100, 100, 0.5),
        ]
        for (x, a, b, ref) in cases {
            #expect(isClose(StudentT.regularizedIncompleteBeta(x, a: a, b: b), ref, rel: 1e-9, abs: 1e-15), "x \(x) a \(a) b \(b)")
        }
        #expect(StudentT.regularizedIncompleteBeta(0, a: 2, b: 3) == 0)
        #expect(StudentT.regularizedIncompleteBeta(1, a: 2, b: 3) == 1)
    }
}

@Suite struct MultipleTestingTests {
    let p = [0.01, 0.04, 0.03, 0.005, 0.5, 0.2, 0.04, 0.9, 0.001, 0.3]

    @Test func qValuesMatchSciPy() {
        // scipy.stats.false_discovery_control(p, method='bh' / 'by')
        let bh = [0.03333333333333333, 0.06666666666666667, 0.06666666666666667, 0.025, 0.5555555555555556,
                  0.28571428571428575, 0.06666666666666667, 0.9, 0.01, 0.375]
        let by = [0.09763227513227513, 0.19526455026455025, 0.19526455026455025, 0.07322420634920634, 1.0,
                  0.8368480725623584, 0.19526455026455025, 1.0, 0.02928968253968254, 1.0]
        for (got, ref) in zip(MultipleTesting.qValues(p, method: .bh), bh) { #expect(isClose(got, ref, rel: 1e-12, abs: 0)) }
        for (got, ref) in zip(MultipleTesting.qValues(p, method: .by), by) { #expect(isClose(got, ref, rel: 1e-12, abs: 0)) }
    }

    @Test func qAtMostQIsTheStepUpRejectionSet() {
        // brute force: reject the k smallest, k = max{k : p_(k) ≤ k·Q/m}
        var rng = RNG(seed: 5)
        for _ in 0..<30 {
            let m = 1 + rng.int(40)
            let ps = (0..<m).map { _ in rng.uniform() < 0.3 ? rng.uniform() * 0.01 : rng.uniform() }
            let q = MultipleTesting.qValues(ps)
            for level in [0.01, 0.05, 0.1, 0.3] {
                let sorted = ps.sorted()
                let k = (1...m).filter { sorted[$0 - 1] <= Double($0) * level / Double(m) }.max() ?? 0
                let expected = Set(ps.indices.filter { k > 0 && ps[$0] <= sorted[k - 1] })
                #expect(Set(ps.indices.filter { q[$0] <= level }) == expected)
            }
        }
    }

    @Test func nanIsOutsideTheFamily() {
        let q = MultipleTesting.qValues([0.01, .nan, 0.02])
        #expect(q[1].isNaN)
        #expect(isClose(q[0], 0.02, rel: 1e-12, abs: 0) && isClose(q[2], 0.02, rel: 1e-12, abs: 0))   // m = 2
    }
}

@Suite struct GaussianConditionalTests {
    @Test func inverseTimesMatrixIsIdentity() throws {
        var rng = RNG(seed: 3)
        let n = 7
        let b = (0..<(n * n)).map { _ in rng.gaussian() }
        var a = [Double](repeating: 0, count: n * n)   // a = bᵀb + I
        for i in 0..<n { for j in 0..<n {
            var s = i == j ? 1.0 : 0
            for k in 0..<n { s += b[k * n + i] * b[k * n + j] }
            a[i * n + j] = s
        } }
        let inv = try SymmetricPositiveDefinite.inverse(a, n: n)
        for i in 0..<n { for j in 0..<n {
            var s = 0.0
            for k in 0..<n { s += a[i * n + k] * inv[k * n + j] }
            #expect(isClose(s, i == j ? 1 : 0, rel: 0, abs: 1e-10))
        } }
        expectError("not positive definite") { _ = try SymmetricPositiveDefinite.cholesky([1, 2, 2, 1], n: 2) }
    }

    /// `residualScale` makes the draws move as far as two independent conditional draws:
    /// (s² + 1)·mean(e²) = 2σ² on average, checked by Monte Carlo with independent standard
    /// normal inputs (σ² = 1 for every input) and few windows per input (n = 60, m = 20).
    @Test func scaledResidualsMatchTheConditionalVariance() throws {
        var rng = RNG(seed: 31)
        let m = 20, n = 60, reps = 300
        var total = 0.0
        var z = [Double](repeating: 0, count: n * m), means = z
        for _ in 0..<reps {
            for k in z.indices { z[k] = rng.gaussian() }
            let model = try z.withUnsafeBufferPointer { try GaussianConditional(windows: $0.baseAddress!, rows: n, inputs: m, ridge: 0) }
            z.withUnsafeBufferPointer { zp in means.withUnsafeMutableBufferPointer { model.conditionalMeans(zp.baseAddress!, rows: n, into: $0.baseAddress!) } }
            var e2 = 0.0
            for k in z.indices { e2 += (z[k] - means[k]) * (z[k] - means[k]) }
            let s = model.residualScale
            #expect(isClose(s * s, 2.0 * 60 / 40 - 1, rel: 1e-12, abs: 0))   // 2n/(n − k − 1) − 1 = 2
            total += (s * s + 1) * e2 / Double(n * m)
        }
        let ratio = total / Double(reps) / 2
        #expect(abs(ratio - 1) < 0.01, "E[(x̃ − x)²] / 2σ² = \(ratio)")
        // many windows per input: s → 1
        let many = (0..<(5000 * 2)).map { _ in rng.gaussian() }
        let big = try many.withUnsafeBufferPointer { try GaussianConditional(windows: $0.baseAddress!, rows: 5000, inputs: 2, ridge: 0) }
        #expect(isClose(big.residualScale, (2.0 * 5000 / 4998 - 1).squareRoot(), rel: 1e-12, abs: 0))
    }

    @Test func coefficientsAreTheLeastSquaresRegressionOnTheOtherInputs() throws {
        // correlated inputs z = A·e; E[z_c | z_−c] must be the OLS fit of z_c on the others,
        // solved here directly by Gaussian elimination on the normal equations
        var rng = RNG(seed: 9)
        let m = 4, n = 3000
        let mix = (0..<(m * m)).map { _ in rng.gaussian() }
        var z = [Double](repeating: 0, count: n * m)
        for w in 0..<n {
            let e = (0..<m).map { _ in rng.gaussian() }
            for c in 0..<m { z[w * m + c] = 0.5 + (0..<m).reduce(0) { $0 + mix[c * m + $1] * e[$1] } }
        }
        let model = try z.withUnsafeBufferPointer { try GaussianConditional(windows: $0.baseAddress!, rows: n, inputs: m, ridge: 0) }
        for c in 0..<m {
            let others = (0..<m).filter { $0 != c }
            let k = others.count + 1   // intercept + others
            var xtx = [Double](repeating: 0, count: k * k), xty = [Double](repeating: 0, count: k)
            for w in 0..<n {
                let row = [1.0] + others.map { z[w * m + $0] }
                for i in 0..<k { xty[i] += row[i] * z[w * m + c]; for j in 0..<k { xtx[i * k + j] += row[i] * row[j] } }
            }
            let beta = solveLinearSystem(xtx, xty, k)
            for (o, other) in others.enumerated() {
                #expect(isClose(model.coefficients[c * m + other], beta[o + 1], rel: 1e-6, abs: 1e-9), "input \(c) on \(other)")
            }
            #expect(model.coefficients[c * m + c] == 0)
        }
    }
}

@Suite struct PredictiveImpactTests {
    /// The residual strata: each domain run cut into groups of windows with neighbouring
    /// conditional means; a permutation keeps every window in its group; one group per run is
    /// the plain Fisher–Yates shuffle of the run (the draws before strata, bit for bit).
    @Test func residualsArePermutedWithinStrataOfTheConditionalMean() {
        var rng = RNG(seed: 3)
        let runs = [0..<230, 230..<500]
        let mean = (0..<500).map { _ in rng.gaussian() }
        let strata = PredictiveImpact.ResidualStrata(runs: runs, strata: { PredictiveImpact.residualStrata(windows: $0) }, mean: { mean[$0] })
        #expect(strata.groups.count == 2 + 2 && Set(strata.order) == Set(0..<500))
        for g in strata.groups {
            let members = strata.order[g]
            let run = runs.first { $0.contains(members.first!) }!
            #expect(members.allSatisfy { run.contains($0) })
            // no window outside the group lies strictly between its smallest and largest mean
            let lo = members.map { mean[$0] }.min()!, hi = members.map { mean[$0] }.max()!
            #expect(run.filter { !members.contains($0) }.allSatisfy { mean[$0] <= lo || mean[$0] >= hi })
        }
        let permutation = UnsafeMutablePointer<Int>.allocate(capacity: 500)
        defer { permutation.deallocate() }
        var r = RNG(seed: 9)
        strata.permute(&r, into: permutation)
        #expect(Set((0..<500).map { permutation[$0] }) == Set(0..<500))
        for g in strata.groups { let members = Set(strata.order[g]); #expect(members.allSatisfy { members.contains(permutation[$0]) }) }
        // one group per run: the previous shuffle
        let plain = PredictiveImpact.ResidualStrata(runs: runs, strata: { _ in 1 }, mean: { mean[$0] })
        var a = RNG(seed: 5), b = RNG(seed: 5)
        plain.permute(&a, into: permutation)
        var old = Array(0..<500)
        for run in runs {
            for w in stride(from: run.upperBound - 1, to: run.lowerBound, by: -1) {
                let v = run.lowerBound + b.int(w - run.lowerBound + 1)
                old.swapAt(w, v)
            }
        }
        #expect((0..<500).map { permutation[$0] } == old)
    }

    @Test func neweyWestTestMatchesItsDefinition() {
        var rng = RNG(seed: 2)
        let n = 150, L = 2
        var d = (0..<n).map { _ in 0.3 + rng.gaussian() }
        for w in 1..<n { d[w] += 0.5 * d[w - 1] }   // autocorrelated
        let mean = d.reduce(0, +) / Double(n)
        let B = max(L, Int(4 * pow(Double(n) / 100, 2.0 / 9)))
        var v = d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        for k in 1...B {
            var g = 0.0
            for w in k..<n { g += (d[w] - mean) * (d[w - k] - mean) }
            v += 2 * (1 - Double(k) / Double(B + 1)) * g
        }
        let t = mean / (v / Double(n) / Double(n)).squareRoot()
        let got = d.withUnsafeBufferPointer { PredictiveImpact.oneSidedTest($0.baseAddress!, count: n, maxLag: L) }
        #expect(isClose(got.statistic, t, rel: 1e-12, abs: 0))
        let df = min(Double(n - 1), 3 * Double(n) / (2 * Double(B + 1)))   // 45 here
        #expect(isClose(got.pValue, StudentT.upperTail(t, df: df), rel: 1e-12, abs: 0))
        let zeros = [Double](repeating: 0, count: 20)
        #expect(zeros.withUnsafeBufferPointer { PredictiveImpact.oneSidedTest($0.baseAddress!, count: 20, maxLag: 1).pValue } == 1)
    }

    /// The degrees of freedom ν = 3n/(2(B + 1)) rest on Var(σ̂²)/σ⁴ ≈ 2/ν for the Bartlett
    /// variance estimate (Andrews 1991): checked by Monte Carlo on white noise, where σ² = 1.
    @Test func bartlettVarianceEstimateIsAsNoisyAsTheDegreesOfFreedomSay() {
        var rng = RNG(seed: 17)
        let n = 400, L = 3, reps = 3000
        let B = max(L, Int(4 * pow(Double(n) / 100, 2.0 / 9)))
        var estimates: [Double] = []
        var d = [Double](repeating: 0, count: n)
        for _ in 0..<reps {
            for w in 0..<n { d[w] = 1 + rng.gaussian() }   // mean 1, so the statistic is finite
            let r = d.withUnsafeBufferPointer { PredictiveImpact.oneSidedTest($0.baseAddress!, count: n, maxLag: L) }
            let se = r.mean / r.statistic
            estimates.append(se * se * Double(n))   // σ̂², the Newey–West long-run variance
        }
        let m = estimates.reduce(0, +) / Double(reps)
        let v = estimates.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(reps - 1)
        let nu = PredictiveImpact.degreesOfFreedom(count: n, bandwidth: B)
        #expect(nu == 100)   // 3·400 / (2·6)
        #expect(abs(v / (m * m) - 2 / nu) < 0.1 * (2 / nu), "Var(σ̂²)/σ⁴ = \(v / (m * m)), 2/ν = \(2 / nu)")
        #expect(PredictiveImpact.degreesOfFreedom(count: 20, bandwidth: 1) == 15)   // 3·20/4 < 19
        #expect(PredictiveImpact.degreesOfFreedom(count: 3, bandwidth: 0) == 2)     // n − 1 when smaller
    }

    /// x1 is driven by x0 at lag 1; x2 is independent AR(1) noise (null for every cross edge).
    static func data(rows: Int) -> Series {
        var rng = RNG(seed: 21)
        let p = 3
        var x = [Float](repeating: 0, count: rows * p)
        for t in 1..<rows {
            let prev = (t - 1) * p
            x[t * p] = Float(0.5 * Double(x[prev]) + rng.gaussian())
            x[t * p + 1] = Float(0.3 * Double(x[prev + 1]) + 0.9 * Double(x[prev]) + 0.5 * rng.gaussian())
            x[t * p + 2] = Float(0.8 * Double(x[prev + 2]) + rng.gaussian())
        }
        return Series(rows: rows, columns: p, values: x)
    }

    static func trained(workers: Int) throws -> (ReplicaSet, WindowSet) {
        let windows = WindowSet(sources: [data(rows: 1600)], maxLag: 2, validationFraction: 0.25)
        var tc = TrainingConfig()
        tc.batch = 32; tc.steps = 300; tc.warmupSteps = 10; tc.seed = 1; tc.patience = 0; tc.learningRate = 3e-3
        let replicas = ReplicaSet(config: ModelConfig(tokens: .step, variables: 3, maxLag: 2, dModel: 16, layers: 1, heads: 2),
                                  batch: 32, seed: 1, workers: workers)
        let t = try Trainer(replicas: replicas, windows: windows, config: tc, dataFingerprint: "cpi", reporter: nil)
        try t.train()
        return (replicas, windows)
    }

    @Test func detectsTheTrueEdgeAndKeepsNullsCalm() throws {
        let (replicas, windows) = try Self.trained(workers: 1)
        let s = try #require(try PredictiveImpact.test(replicas: replicas, windows: windows, heldOut: windows.validation,
                                                       repeats: 2, seed: 3))
        #expect(s.windows == windows.validation.count)
        #expect(s.pValues[1, 0, 1] < 1e-6, "x0 → x1 at lag 1: p \(s.pValues[1, 0, 1])")
        #expect(s.lossIncrease[1, 0, 1] > 0.1)
        // the 8 cross edges into or out of x2 are null: none should be small after Bonferroni
        var nulls: [Float] = []
        for lag in 1...2 { for (a, b) in [(0, 2), (1, 2), (2, 0), (2, 1)] { nulls.append(s.pValues[lag, a, b]) } }
        #expect(nulls.allSatisfy { $0 > 0.05 / 8 }, "null p-values \(nulls)")
        // and the decision keeps the true edge, no edge into or out of x2
        let d = try Decision.make(rule: .fdr(0.05), scores: s.statistics, pValues: s.pValues, family: .all)
        #expect(d.edges.contains(LaggedEdge(source: 0, target: 1, lag: 1)))
        #expect(!d.edges.contains { ($0.source == 2) != ($0.target == 2) })
    }

    /// The tests' shortcuts: the linear path's last-step output plus a rank-one correction for
    /// the replaced input, the embeddings computed once plus a rank-one edit, and the last token's
    /// forecast alone (`forwardLastToken`). Reference: the plain `forward` on the edited window.
    /// With `perDomain`, each domain's windows go through their own linear-path bank.
    @Test(arguments: [(false, false), (true, false), (true, true)], [1, 2])
    func testedForecastsMatchThePlainForward(path: (linearPath: Bool, perDomain: Bool), layers: Int) throws {
        let p = 4, L = 3, m = p * L, linearPath = path.linearPath
        let config = ModelConfig(tokens: .step, variables: p, maxLag: L, dModel: 8, layers: layers, heads: 2,
                                 domainEmbeddings: 2, linearPath: linearPath, linearPathPerDomain: path.perDomain)
        let replicas = ReplicaSet(config: config, batch: 8, seed: 2, workers: 2)
        var rng = RNG(seed: 6)
        let model = replicas.primary
        // larger parameters than the initialisation, so every path carries signal
        for k in 0..<model.parameters.count { model.parameters[k] += Float(rng.gaussian() * 0.3) }
        let series = (0..<2).map { _ in Series(rows: 40, columns: p, values: (0..<(40 * p)).map { _ in Float(rng.gaussian()) }) }
        let windows = WindowSet(sources: series, maxLag: L, validationFraction: 0.5)
        let heldOut = windows.validation, N = heldOut.count
        #expect(Set(heldOut.map(\.domain)).count == 2)
        var z = [Float](repeating: 0, count: N * m), target = [Float](repeating: 0, count: m)
        for (w, ref) in heldOut.enumerated() { z.withUnsafeMutableBufferPointer { windows.fill(ref, input: $0.baseAddress! + w * m, target: &target) } }
        let replacement = (0..<N).map { _ in Float(rng.gaussian()) }
        // the reference: one window at a time through the full forward pass
        let reference = Transformer(replicaOf: model, batchCapacity: 1)
        func plain(_ w: Int, _ replace: Int?) -> [Float] {
            for k in 0..<m { reference.input[k] = z[w * m + k] }
            if let replace { reference.input[replace] = replacement[w] }
            reference.setDomain(0, Int(heldOut[w].domain))
            reference.forward(batch: 1)
            return Array(UnsafeBufferPointer(start: reference.output + (L - 1) * p, count: p))
        }
        try z.withUnsafeBufferPointer { zp in
            let embedded = try #require(PredictiveImpact.embedAll(replicas, heldOut, zp.baseAddress!, chunk: 3))
            defer { embedded.deallocate() }
            let linear = PredictiveImpact.LinearShortcut(model, z: zp.baseAddress!, windows: N, domains: heldOut.map { Int($0.domain) })
            #expect((linear != nil) == linearPath)
            // the keys and values of the unedited windows, filled by a call without a replacement
            let cache = UnsafeMutablePointer<Float>.allocate(capacity: N * layers * L * 3 * 8)
            defer { cache.deallocate() }
            PredictiveImpact.forecast(replicas, heldOut, zp.baseAddress!, chunk: 3, replace: nil, linear: linear,
                                      embedded: embedded, keysAndValues: cache) { _, _ in }
            // inputs of tokens 0, 1 and 2 (input t·p + k is token t)
            for input in [nil, 0, 5, 11] as [Int?] {
                // all targets, and some of them in the order given (the head restricted to those)
                for targets in [nil, [3, 1], [2]] as [[Int]?] {
                    for path in ["plain", "embedded", "cached"] {
                        var fast = [[Float]](repeating: [], count: N)
                        let K = targets?.count ?? p
                        replacement.withUnsafeBufferPointer { rp in
                            PredictiveImpact.forecast(replicas, heldOut, zp.baseAddress!, chunk: 3, replace: input.map { ($0, rp.baseAddress!) },
                                                      targets: targets, linear: linear, embedded: path == "plain" ? nil : embedded,
                                                      keysAndValues: path == "cached" ? cache : nil) { w, out in
                                fast[w] = Array(UnsafeBufferPointer(start: out, count: K))
                            }
                        }
                        for w in 0..<N {
                            let want = plain(w, input), outputs = targets ?? Array(0..<p)
                            for (a, o) in outputs.enumerated() {
                                #expect(isClose(Double(fast[w][a]), Double(want[o]), rel: 1e-5, abs: 1e-5),
                                        "\(path): input \(String(describing: input)) targets \(String(describing: targets)) window \(w)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func sameBitsOnOneTwoAndFourThreads() throws {
        let (r1, w1) = try Self.trained(workers: 1)
        let (r2, w2) = try Self.trained(workers: 2)
        // the same parameters in both (copy), so only the readout's thread layout differs
        r2.primary.parameters.copy(from: r1.primary.parameters.array)
        let a = try #require(try PredictiveImpact.test(replicas: r1, windows: w1, heldOut: w1.validation, seed: 4, perDomain: true))
        let b = try #require(try PredictiveImpact.test(replicas: r2, windows: w2, heldOut: w2.validation, seed: 4, perDomain: true))
        #expect(a.pValues == b.pValues)
        #expect(a.statistics == b.statistics)
        #expect(a.domainPValues == b.domainPValues)
        // four threads: training replicas of 8 windows each, the tests' chunks unchanged
        let (r4, w4) = try Self.trained(workers: 4)
        #expect(r4.chunkCapacity == 8)
        r4.primary.parameters.copy(from: r1.primary.parameters.array)
        let c = try #require(try PredictiveImpact.test(replicas: r4, windows: w4, heldOut: w4.validation, seed: 4, perDomain: true))
        #expect(a.pValues == c.pValues)
        #expect(a.statistics == c.statistics)
        // one domain: its own tests are the pooled ones
        #expect(a.domainPValues[0] == a.pValues)
    }

    @Test func shortDataHoldsOutMore() {
        #expect(TrainingConfig.defaultValidationFraction(totalRows: 100_000) == 0.1)
        #expect(TrainingConfig.defaultValidationFraction(totalRows: 20_000) == 0.1)
        #expect(TrainingConfig.defaultValidationFraction(totalRows: 10_000) == 0.2)    // 2,000 rows held out
        #expect(TrainingConfig.defaultValidationFraction(totalRows: 4_000) == 0.25)
        #expect(TrainingConfig.defaultValidationFraction(totalRows: 400) == 0.25)
        #expect(TrainingConfig.defaultValidationFraction(totalRows: 200) == 0.3)     // 60 rows held out
        #expect(TrainingConfig.defaultValidationFraction(totalRows: 50) == 0.3)
        // and the window count the check uses is the one WindowSet makes
        for rows in [30, 57, 200, 1001] {
            for vf in [0.1, 0.25] {
                let w = WindowSet(sources: [Self.data(rows: rows)], maxLag: 3, validationFraction: vf)
                #expect(w.validation.count == WindowSet.validationWindowCount(rows: rows, maxLag: 3, validationFraction: vf))
            }
        }
    }

    /// The restricted head computes K columns instead of p, so the forecasts may differ from
    /// the full head's in the last bits: the same p-values to rounding.
    @Test func testingSomeCandidatesGivesTheirPValuesAndNaNElsewhere() throws {
        let (replicas, windows) = try Self.trained(workers: 2)
        let all = try #require(try PredictiveImpact.test(replicas: replicas, windows: windows, heldOut: windows.validation, seed: 7))
        // inputs r·p + j with L = 2, p = 3: x0 at lag 1 (input 3) against targets 0 and 2,
        // x2 at lag 2 (input 2) against target 1
        var candidates = [[Int]](repeating: [], count: 6)
        candidates[3] = [0, 2]; candidates[2] = [1]
        let some = try #require(try PredictiveImpact.test(replicas: replicas, windows: windows, heldOut: windows.validation,
                                                          seed: 7, candidates: candidates))
        var tested = 0
        for lag in 1...2 { for source in 0..<3 { for target in 0..<3 {
            let isTested = (lag == 1 && source == 0 && target != 1) || (lag == 2 && source == 2 && target == 1)
            let v = some.pValues[lag, source, target]
            if isTested {
                tested += 1
                #expect(isClose(Double(v), Double(all.pValues[lag, source, target]), rel: 1e-3, abs: 1e-7))
                #expect(isClose(Double(some.statistics[lag, source, target]), Double(all.statistics[lag, source, target]), rel: 1e-4, abs: 1e-5))
            } else { #expect(v.isNaN) }
        } } }
        #expect(tested == 3)
    }

    @Test func defaultRepeatsGiveAtLeast3000DrawsWhereFourPerWindowSuffice() {
        #expect(PredictiveImpact.defaultRepeats(heldOutWindows: 18_000) == 2)   // at least 2
        #expect(PredictiveImpact.defaultRepeats(heldOutWindows: 2000) == 2)     // ⌈3000 / 2000⌉
        #expect(PredictiveImpact.defaultRepeats(heldOutWindows: 1500) == 2)
        #expect(PredictiveImpact.defaultRepeats(heldOutWindows: 1000) == 3)
        #expect(PredictiveImpact.defaultRepeats(heldOutWindows: 750) == 4)
        #expect(PredictiveImpact.defaultRepeats(heldOutWindows: 749) == 4)      // below 750: ⌈1000 / n⌉, at least 4
        #expect(PredictiveImpact.defaultRepeats(heldOutWindows: 250) == 4)
        #expect(PredictiveImpact.defaultRepeats(heldOutWindows: 100) == 10)
        #expect(PredictiveImpact.defaultRepeats(heldOutWindows: 60) == 16)      // capped
        #expect(PredictiveImpact.defaultRepeats(heldOutWindows: 10) == 16)
    }

    @Test func tooFewHeldOutWindowsIsAnError() throws {
        let windows = WindowSet(sources: [Self.data(rows: 60)], maxLag: 2, validationFraction: 0.1)
        let replicas = ReplicaSet(config: ModelConfig(tokens: .step, variables: 3, maxLag: 2, dModel: 8, layers: 1, heads: 2),
                                  batch: 8, seed: 1, workers: 1)
        expectError("held-out window", "--validation-fraction", "at least 10") {
            _ = try PredictiveImpact.test(replicas: replicas, windows: windows, heldOut: windows.validation)
        }
    }
}

@Suite struct DecisionTests {
    /// L = 1, p = 3: nine candidates with chosen p-values and scores.
    func inputs() -> (ScoreTensor, ScoreTensor) {
        let pv: [Float] = [0.001, 0.02, 0.9, 0.03, 0.5, 0.04, 0.6, 0.7, 0.0001]
        let sc: [Float] = [1.0, 0.9, 0.01, 0.02, 0.03, 0.8, 0.01, 0.02, 0.95]
        return (ScoreTensor(maxLag: 1, variables: 3, values: sc), ScoreTensor(maxLag: 1, variables: 3, values: pv))
    }

    @Test func fdrOverAllCandidatesIsBHStepUp() throws {
        let (s, p) = inputs()
        let d = try Decision.make(rule: .fdr(0.05), scores: s, pValues: p, family: .all)
        // two strata. Self-loops (p 0.001, 0.5, 0.0001): 0.001 ≤ 2·0.05/3 → both small ones kept.
        // Cross edges (0.02, 0.9, 0.03, 0.04, 0.6, 0.7): 0.02 > 0.05/6, 0.03 > 2·0.05/6,
        // 0.04 > 3·0.05/6 → none kept.
        #expect(d.edges == [LaggedEdge(source: 0, target: 0, lag: 1), LaggedEdge(source: 2, target: 2, lag: 1)])
        #expect(d.threshold == Double(Float(0.001)))
        #expect(d.thresholdSelfLoops == Double(Float(0.001)) && d.thresholdCross == nil)
        // a cross edge kept at p = 1e-6: its stratum's largest kept p-value, far below `threshold`
        var pv = p.values
        pv[3] = 1e-6
        let withCross = try Decision.make(rule: .fdr(0.05), scores: s, pValues: ScoreTensor(maxLag: 1, variables: 3, values: pv), family: .all)
        #expect(withCross.threshold == Double(Float(0.001)) && withCross.thresholdCross == Double(Float(1e-6)))
        let json = DecisionSummary(withCross, nil).jsonObject(variables: ["a", "b", "c"])
        #expect(json["threshold_cross"] as? Double == Double(Float(1e-6)) && json["threshold_self_loops"] as? Double == Double(Float(0.001)))
        let q = try #require(d.qValues)
        #expect(isClose(Double(q.values[8]), 0.0003, rel: 1e-5, abs: 0))   // min(3·0.0001/1, 3·0.001/2)
        #expect(isClose(Double(q.values[1]), 0.08, rel: 1e-5, abs: 0))     // cross: min(6·0.02/1, 6·0.03/2, 6·0.04/3, …)
        let by = try Decision.make(rule: .fdr(0.05), scores: s, pValues: p, fdrMethod: .by, family: .all)
        #expect(by.edges.count <= d.edges.count)
    }

    @Test func screenCutsCrossEdgesOnTheirOwnScores() throws {
        // p = 4, L = 1: four self-loops at 0.6, three cross edges near 0.2, nine at 0.01–0.02.
        // One Otsu split of all 16 scores puts the self-loops alone above the cut
        // (between-class 4·12·(0.6 − 0.061)² ≈ 13.9 against 7·9·(0.429 − 0.015)² ≈ 10.8 for the
        // split below the three), so `auto` keeps no cross edge; the cross scores' own split
        // (three against nine) adds the three.
        var sc = [Float](repeating: 0, count: 16)
        for k in 0..<16 { sc[k] = k / 4 == k % 4 ? 0.6 : (k % 2 == 0 ? 0.01 : 0.02) }
        sc[0 * 4 + 1] = 0.2; sc[1 * 4 + 2] = 0.18; sc[2 * 4 + 3] = 0.22
        let s = ScoreTensor(maxLag: 1, variables: 4, values: sc)
        let selfLoops = Set((0..<4).map { LaggedEdge(source: $0, target: $0, lag: 1) })
        #expect(Set(Binarizer.auto(s)) == selfLoops)
        let cross: Set<LaggedEdge> = [LaggedEdge(source: 0, target: 1, lag: 1), LaggedEdge(source: 1, target: 2, lag: 1),
                                      LaggedEdge(source: 2, target: 3, lag: 1)]
        #expect(Decision.screen(s, exponent: 1) == selfLoops.union(cross))
        // when cross edges dominate, the two cuts agree and the screen is auto's
        let (s3, _) = inputs()
        #expect(Decision.screen(s3, exponent: 1) == Set(Binarizer.auto(s3)))
        // wide: twice the screen's count, by global score
        #expect(Decision.screen(s, exponent: 1, factor: 2) == Set(Binarizer.globalTopK(s, k: 14)))
    }

    @Test func candidatesOutsideTheScreenThatPassWhenAllAreTested() throws {
        let (s, p0) = inputs()
        // 1 → 0 (index 3) scores 0.02, outside the screen {0→0, 0→1, 1→2, 2→2}, but its p-value is 1e-6
        var pv = p0.values
        pv[3] = 1e-6
        let p = ScoreTensor(maxLag: 1, variables: 3, values: pv)
        let d = try Decision.make(rule: .fdr(0.05), scores: s, pValues: p, family: .screened, allTestedUpTo: 0)
        #expect(!d.edges.contains(LaggedEdge(source: 1, target: 0, lag: 1)))
        // all six cross candidates tested: BH q of 1e-6 is 6·1e-6; the next (0.02) gets 6·0.02/2 = 0.06 > 0.05
        let outside = d.passingOutsideScreen()
        #expect(outside.map(\.edge) == [LaggedEdge(source: 1, target: 0, lag: 1)])
        #expect(isClose(Double(outside[0].qValue), 6e-6, rel: 1e-5, abs: 0))
        let json = DecisionSummary(d, nil).jsonObject(variables: ["a", "b", "c"])
        let listed = try #require(json["passing_outside_screen"] as? [[String: Any]])
        #expect(listed.count == 1 && listed[0]["source"] as? String == "b" && listed[0]["target"] as? String == "a")
        let text = EdgeListing.text(d, summary: DecisionSummary(d, nil), scores: s, variables: ["a", "b", "c"], limit: 20)
        // cross edges are listed before self-loops, and the header counts both
        #expect(text.contains("edges kept (\(d.edges.filter { $0.source != $0.target }.count) between variables, "))
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("  ") && $0.contains(" lag ") }
        let firstSelf = lines.firstIndex { l in ["a", "b", "c"].contains { l.hasPrefix("  \($0) ") && l.contains("→ \($0) ") } }
        let lastCross = lines.lastIndex { l in !["a", "b", "c"].contains { l.hasPrefix("  \($0) ") && l.contains("→ \($0) ") } }
        let (fs, lc) = (try #require(firstSelf), try #require(lastCross))
        #expect(lc < fs, "\(text)")
        // the tests' impact, when given, reads in % of the target's variance on every listed edge
        let impact = ScoreTensor(maxLag: 1, variables: 3, values: (0..<9).map { Float($0 + 1) * 0.0025 })
        let withImpact = EdgeListing.text(d, summary: DecisionSummary(d, nil), scores: s, impact: impact, variables: ["a", "b", "c"], limit: 20)
        for e in d.edges {
            #expect(withImpact.contains("  impact = \(EdgeListing.formatPercent(impact[e.lag, e.source, e.target]))  score = "), "\(withImpact)")
        }
        #expect(EdgeListing.formatPercent(0.0025) == "0.25%" && EdgeListing.formatPercent(0.3) == "30%"
                && EdgeListing.formatPercent(0.025) == "2.5%" && EdgeListing.formatPercent(1e-7) == "< 0.001%")
        let short = EdgeListing.text(d, summary: DecisionSummary(d, nil), scores: s, variables: ["a", "b", "c"], limit: 1)
        #expect(short.contains("… and \(d.edges.count - 1) more"), "\(short)")
        #expect(text.contains("note: 1 candidate outside the score screen has q ≤ 0.005 with every candidate tested "
                              + "(--tests all): b → a lag 1 (q = 6.00e-06)"))
        // a q between Q/10 and Q (p 1e-3 → q 6e-3) is not named
        var weak = p0.values
        weak[3] = 1e-3
        let dw = try Decision.make(rule: .fdr(0.05), scores: s, pValues: ScoreTensor(maxLag: 1, variables: 3, values: weak),
                                   family: .screened, allTestedUpTo: 0)
        #expect(dw.passingOutsideScreen().isEmpty)
        // nothing to report: every candidate tested, a score rule, or candidates without p-values
        #expect(try Decision.make(rule: .fdr(0.05), scores: s, pValues: p, family: .all).passingOutsideScreen().isEmpty)
        #expect(try Decision.make(rule: .auto, scores: s, pValues: p).passingOutsideScreen().isEmpty)
        pv[6] = .nan
        let partial = ScoreTensor(maxLag: 1, variables: 3, values: pv)
        #expect(try Decision.make(rule: .fdr(0.05), scores: s, pValues: partial, allTestedUpTo: 0).passingOutsideScreen().isEmpty)
    }

    @Test func aHandfulOfCandidatesIsTestedInFull() throws {
        // 9 candidates ≤ Decision.allTestedUpTo: the default family is all of them
        let (s, p) = inputs()
        let d = try Decision.make(rule: .fdr(0.05), scores: s, pValues: p)
        #expect(d.family == nil && Decision.allTestedUpTo == 20)
        #expect(d.edges == (try Decision.make(rule: .fdr(0.05), scores: s, pValues: p, family: .all)).edges)
        #expect(try Decision.make(rule: .fdr(0.05), scores: s, pValues: p, allTestedUpTo: 8).family != nil)
    }

    @Test func screenedFamilyTestsOnlyTheHighScoringCandidates() throws {
        let (s, p) = inputs()
        let d = try Decision.make(rule: .fdr(0.05), scores: s, pValues: p, family: .screened, allTestedUpTo: 0)
        let family = try #require(d.family)
        #expect(family.isSuperset(of: Binarizer.auto(s)))
        #expect(family == Decision.screen(s, exponent: 1))
        let wide = try #require(try Decision.make(rule: .fdr(0.05), scores: s, pValues: p, family: .wide, allTestedUpTo: 0).family)
        #expect(wide == Set(Binarizer.globalTopK(s, k: 2 * family.count)) && wide.isSuperset(of: family))
        for e in d.edges { #expect(family.contains(e)) }
        // outside the family: no q-value; inside: BH over the family only
        let q = try #require(d.qValues)
        for k in 0..<9 {
            let e = LaggedEdge(source: k / 3, target: k % 3, lag: 1)
            #expect(q.values[k].isNaN == !family.contains(e))
        }
        // inside the family the q-values are BH over the family's p-values alone, per stratum
        var kept = Set<LaggedEdge>()
        for selfLoops in [true, false] {
            let idx = (0..<9).filter { family.contains(LaggedEdge(source: $0 / 3, target: $0 % 3, lag: 1)) && ($0 / 3 == $0 % 3) == selfLoops }
            let ref = MultipleTesting.qValues(idx.map { Double(p.values[$0]) })
            for (k, i) in idx.enumerated() {
                #expect(isClose(Double(q.values[i]), ref[k], rel: 1e-6, abs: 0))
                if ref[k] <= 0.05 { kept.insert(LaggedEdge(source: i / 3, target: i % 3, lag: 1)) }
            }
        }
        #expect(Set(d.edges) == kept)
    }

    @Test func pValueRuleAndScoreRules() throws {
        let (s, p) = inputs()
        let d = try Decision.make(rule: .pValue(0.025), scores: s, pValues: p, family: .all)
        #expect(d.edges.count == 3 && d.threshold == 0.025)
        #expect(try Decision.make(rule: .auto, scores: s, pValues: nil).edges == Binarizer.auto(s))
        expectError("--binarize fdr:0.05", "p-values") { _ = try Decision.make(rule: .fdr(0.05), scores: s, pValues: nil) }
    }

    @Test func rulesParseAndRefuseBadLevels() throws {
        #expect(try BinarizeRule(parsing: "fdr:0.05") == .fdr(0.05))
        #expect(try BinarizeRule(parsing: "pvalue:0.01") == .pValue(0.01))
        #expect(BinarizeRule.fdr(0.1).description == "fdr:0.1")
        #expect(BinarizeRule.default == .fdr(0.05))
        for bad in ["fdr:1.5", "fdr:0", "fdr:1", "fdr:-0.1", "fdr:", "fdr:abc", "pvalue:-1", "pvalue:2", "pvalue:nan"] {
            expectError("--binarize", "'\(bad)'", "between 0 and 1") { _ = try BinarizeRule(parsing: bad) }
        }
    }

    @Test func edgesAtTheLargestLagGetANote() {
        let names = ["a", "b", "c"]
        let kept = [LaggedEdge(source: 0, target: 1, lag: 3), LaggedEdge(source: 2, target: 2, lag: 3), LaggedEdge(source: 1, target: 2, lag: 1)]
        let note = EdgeListing.maxLagNote(edges: kept, outsideScreen: [LaggedEdge(source: 2, target: 0, lag: 3)], maxLag: 3, variables: names)
        #expect(note?.kind == .note && note?.columns == ["a", "b", "c"])
        #expect(note?.message.hasPrefix("2 dependencies between variables are at the largest lag tested, 3 (a → b, c → a)") == true, "\(String(describing: note))")
        #expect(note?.message.contains("rerun with a larger --max-lag") == true)
        // self-loops at the largest lag and edges below it: no note
        #expect(EdgeListing.maxLagNote(edges: Array(kept.dropFirst()), outsideScreen: [], maxLag: 3, variables: names) == nil)
    }

    @Test func edgesBetweenTrendingColumnsAreNamed() {
        let names = ["a", "b", "c", "d"]
        let diagnostics = [Diagnostic(kind: .trend, columns: ["a"], message: ""), Diagnostic(kind: .trend, columns: ["b"], message: ""),
                           Diagnostic(kind: .periodic, columns: ["c", "d"], message: "")]
        let edges = [LaggedEdge(source: 0, target: 1, lag: 2), LaggedEdge(source: 0, target: 0, lag: 1), LaggedEdge(source: 0, target: 2, lag: 1),
                     LaggedEdge(source: 3, target: 2, lag: 1)]
        let note = EdgeListing.sharedTrendNote(edges: edges, diagnostics: diagnostics, variables: names)
        #expect(note?.columns == ["a", "b", "d", "c"] && note?.kind == .trend)
        #expect(note?.message == "1 edge joins two columns with a trend (a → b lag 2): remove the trends with --detrend and rerun; "
                + "1 edge joins two columns with a cycle longer than --max-lag (d → c lag 1): remove the cycle (e.g. subtract each "
                + "season's mean) or use a --max-lag of at least the period. Such edges can come from the shared trend or cycle alone "
                + "(see the warnings above)", "\(String(describing: note))")
        #expect(EdgeListing.sharedTrendNote(edges: [edges[2]], diagnostics: diagnostics, variables: names) == nil)
        let cycle = EdgeListing.sharedTrendNote(edges: [edges[3]], diagnostics: diagnostics, variables: names)
        #expect(cycle?.kind == .periodic && cycle?.message.hasSuffix("Such an edge can come from the shared cycle alone (see the warnings above)") == true)
    }
}
