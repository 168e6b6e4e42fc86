import Foundation
import Testing
@testable import Causeway

/// The same-step error check: the per-domain centred correlation against a direct two-pass
/// formula, the Fisher-z p-values against scipy, a planted shared component found and
/// independent errors left alone, and the warning's text.
@Suite struct SameStepErrorsTests {
    /// Errors [n, p] row-major from columns.
    static func rows(_ cols: [[Double]]) -> [Double] {
        let n = cols[0].count, p = cols.count
        var v = [Double](repeating: 0, count: n * p)
        for (j, c) in cols.enumerated() { for t in 0..<n { v[t * p + j] = c[t] } }
        return v
    }

    @Test func correlationIsCentredPerDomain() {
        var rng = RNG(seed: 3)
        let n = 300, split = 120
        let shared = (0..<n).map { _ in rng.gaussian() }
        // domain 2 adds an offset to each column: a pooled mean would turn it into correlation
        var a = (0..<n).map { shared[$0] + rng.gaussian() }, b = (0..<n).map { 0.5 * shared[$0] + rng.gaussian() }
        let c = (0..<n).map { _ in rng.gaussian() }
        for t in split..<n { a[t] += 5; b[t] -= 4 }
        let e = Self.rows([a, b, c])
        let r = e.withUnsafeBufferPointer { SameStepErrors.Errors(errors: $0.baseAddress!, rows: n, columns: 3, runs: [0..<split, split..<n]).correlation }
        // reference: two passes, per-domain means
        func centred(_ x: [Double]) -> [Double] {
            var out = x
            for run in [0..<split, split..<n] {
                let m = run.map { x[$0] }.reduce(0, +) / Double(run.count)
                for t in run { out[t] = x[t] - m }
            }
            return out
        }
        func corr(_ x: [Double], _ y: [Double]) -> Double {
            let u = centred(x), v = centred(y)
            let uv = zip(u, v).map { $0 * $1 }.reduce(0, +), uu = u.map { $0 * $0 }.reduce(0, +), vv = v.map { $0 * $0 }.reduce(0, +)
            return uv / (uu * vv).squareRoot()
        }
        #expect(abs(r[0 * 3 + 1] - corr(a, b)) < 1e-12 && r[1 * 3 + 0] == r[0 * 3 + 1])
        #expect(abs(r[0 * 3 + 2] - corr(a, c)) < 1e-12 && abs(r[1 * 3 + 2] - corr(b, c)) < 1e-12)
        #expect(r[0] == 1 && r[4] == 1 && r[8] == 1)
        #expect(r[0 * 3 + 1] > 0.3)   // the planted shared part
        // a column without variance: NaN row and column
        let flat = Self.rows([a, [Double](repeating: 2, count: n), c])
        let r2 = flat.withUnsafeBufferPointer { SameStepErrors.Errors(errors: $0.baseAddress!, rows: n, columns: 3, runs: [0..<n]).correlation }
        #expect(r2[1 * 3 + 1].isNaN && r2[0 * 3 + 1].isNaN && r2[2 * 3 + 1].isNaN && r2[0 * 3 + 2].isFinite)
    }

    /// Two error columns of n rows with same-step correlation exactly r (sample): a, and
    /// r·a + √(1 − r²)·b with b made exactly orthogonal to a, both alternating in sign so that
    /// no autocorrelation inflates the effective sample size much.
    static func pairWith(correlation r: Double, rows n: Int, _ rng: inout RNG) -> SameStepErrors.Errors {
        var a = (0..<n).map { _ in rng.gaussian() }, b = (0..<n).map { _ in rng.gaussian() }
        func centre(_ x: inout [Double]) { let m = x.reduce(0, +) / Double(n); for t in 0..<n { x[t] -= m } }
        func norm(_ x: inout [Double]) { let s = x.map { $0 * $0 }.reduce(0, +).squareRoot(); for t in 0..<n { x[t] /= s } }
        centre(&a); norm(&a); centre(&b)
        let ab = zip(a, b).map { $0 * $1 }.reduce(0, +)
        for t in 0..<n { b[t] -= ab * a[t] }
        norm(&b)
        let c = (0..<n).map { r * a[$0] + (1 - r * r).squareRoot() * b[$0] }
        let e = rows([a, c])
        return e.withUnsafeBufferPointer { SameStepErrors.Errors(errors: $0.baseAddress!, rows: n, columns: 2, runs: [0..<n]) }
    }

    @Test func fisherZPValuesMatchScipy() {
        // 2·norm.sf(atanh|r|·√(n − 3)) from scipy 1.x, with n the effective sample size
        var rng = RNG(seed: 4)
        for (r, n, reference) in [(0.2, 750, 3.008447274912374e-08), (0.12, 2000, 7.104753136646295e-08)] {
            let e = Self.pairWith(correlation: r, rows: n, &rng)
            #expect(abs(e.correlation[1] - r) < 1e-12)
            let nEff = e.effectiveWindows(0, 1)
            let found = SameStepErrors.pairs(model: e)
            let z = atanh(r) * (nEff - 3).squareRoot(), expected = erfc(z / 2.0.squareRoot())
            #expect(found.count == 1 && abs(found[0].pValue / expected - 1) < 1e-9, "\(found)")
            if nEff == Double(n) { #expect(abs(found[0].pValue / reference - 1) < 1e-6) }
            #expect(abs(nEff / Double(n) - 1) < 0.2, "white errors keep about n: \(nEff)")
        }
        // r = −0.3 on 60 windows: p ≥ 0.0194 > 0.01, not named; and |r| below 0.1 never is
        #expect(SameStepErrors.pairs(model: Self.pairWith(correlation: -0.3, rows: 60, &rng)).isEmpty)
        #expect(SameStepErrors.pairs(model: Self.pairWith(correlation: 0.09, rows: 100_000, &rng)).isEmpty)
    }

    @Test func effectiveSampleSizeFollowsBartlett() {
        // two independent AR(1) error series with φ = 0.9: Σ_k ρ(k)² ≈ φ²/(1 − φ²) = 4.26 for
        // K → ∞ (4.26 − ~0.03 truncated at 50 lags), so n_eff ≈ n / 9.5; the direct sum of the
        // sample autocorrelations is the independent reference
        var rng = RNG(seed: 21)
        let n = 4000
        var a = [Double](repeating: 0, count: n), b = a
        for t in 1..<n { a[t] = 0.9 * a[t - 1] + rng.gaussian(); b[t] = 0.9 * b[t - 1] + rng.gaussian() }
        let e = Self.rows([a, b])
        let errs = e.withUnsafeBufferPointer { SameStepErrors.Errors(errors: $0.baseAddress!, rows: n, columns: 2, runs: [0..<n]) }
        func acf(_ x: [Double], _ k: Int) -> Double {
            let m = x.reduce(0, +) / Double(n)
            let v = x.map { ($0 - m) * ($0 - m) }.reduce(0, +)
            return (k..<n).map { (x[$0] - m) * (x[$0 - k] - m) }.reduce(0, +) / v
        }
        #expect(errs.lags == 50)
        for k in [1, 7, 50] {
            #expect(abs(errs.autocorrelation[k - 1] - acf(a, k)) < 1e-12 && abs(errs.autocorrelation[50 + k - 1] - acf(b, k)) < 1e-12)
        }
        let sum = (1...50).map { acf(a, $0) * acf(b, $0) }.reduce(0, +)
        #expect(abs(errs.effectiveWindows(0, 1) - Double(n) / (1 + 2 * sum)) < 1e-9)
        #expect(errs.effectiveWindows(0, 1) < Double(n) / 5)
    }

    @Test func aSharedComponentIsNamedAndIndependentErrorsAreNot() {
        var rng = RNG(seed: 9)
        let n = 800, p = 20
        var cols = (0..<p).map { _ in (0..<n).map { _ in rng.gaussian() } }
        func errors(_ cols: [[Double]]) -> SameStepErrors.Errors {
            Self.rows(cols).withUnsafeBufferPointer { SameStepErrors.Errors(errors: $0.baseAddress!, rows: n, columns: cols.count, runs: [0..<n]) }
        }
        let independent = errors(cols)
        #expect(SameStepErrors.pairs(model: independent).isEmpty)
        // a hidden driver's innovation in x3 and x11 (r ≈ 0.2)
        let h = (0..<n).map { _ in rng.gaussian() }
        for t in 0..<n { cols[3][t] += 0.5 * h[t]; cols[11][t] += 0.5 * h[t] }
        let shared = errors(cols)
        let found = SameStepErrors.pairs(model: shared)
        #expect(found.map { [$0.first, $0.second] } == [[3, 11]], "\(found)")
        // named only when the second (linear) model's errors agree
        #expect(SameStepErrors.pairs(model: shared, regression: shared) == found)
        #expect(SameStepErrors.pairs(model: shared, regression: independent).isEmpty)
        // a slow drift common to two error series (a model leaving its training range) is not
        // evidence: the effective sample size collapses
        var drift = cols
        var level = 0.0
        for t in 0..<n { level += rng.gaussian(); drift[5][t] += 0.1 * level; drift[6][t] += 0.1 * level }
        let drifting = errors(drift)
        #expect(abs(drifting.correlation[5 * p + 6]) > 0.3)
        #expect(!SameStepErrors.pairs(model: drifting).contains { $0.first == 5 && $0.second == 6 })
        let names = (0..<p).map { "x\($0)" }
        let edges = [LaggedEdge(source: 3, target: 11, lag: 1), LaggedEdge(source: 3, target: 3, lag: 1), LaggedEdge(source: 2, target: 11, lag: 1)]
        let d = SameStepErrors.diagnostic(found, variables: names, windows: n, edges: edges)
        #expect(d?.kind == .sameStep && d?.columns == ["x3", "x11"])
        let m = d?.message ?? ""
        #expect(m.contains("'x3' and 'x11' (r = 0.") && m.contains("in this graph: x3 → x11 lag 1.") && !m.contains("x2 →"), "\(m)")
        #expect(SameStepErrors.diagnostic([], variables: names, windows: n, edges: edges) == nil)
        // a pair named together by a collinear warning (a total and a part) is left to it
        let total = Diagnostic(kind: .collinear, columns: ["x11", "x3", "x4"], message: "")
        #expect(SameStepErrors.excludingCollinear(found, diagnostics: [total], variables: names).isEmpty)
        #expect(SameStepErrors.excludingCollinear(found, diagnostics: [Diagnostic(kind: .trend, columns: ["x3", "x11"], message: "")],
                                                  variables: names) == found)
        // a factor shared by every variable: the pervasive wording, without the edge list
        let factor = (0..<n).map { _ in rng.gaussian() }
        let everyPair = SameStepErrors.pairs(model: errors((0..<6).map { _ in (0..<n).map { factor[$0] + rng.gaussian() } }))
        #expect(everyPair.count == 15)
        let dc = SameStepErrors.diagnostic(everyPair, variables: Array(names.prefix(6)), windows: n, edges: [LaggedEdge(source: 0, target: 1, lag: 1)])
        #expect(dc?.message.hasPrefix("forecast errors move together within the same time step for 15 of the 15 pairs") == true
                && dc?.message.contains("in this graph") == false, "\(String(describing: dc))")
    }

    @Test func linearErrorsAreTheHeldOutErrorsOfTheRidgeVAR() {
        // a VAR(1) whose x0 and x2 share an innovation within the step (a lag-0 link), x1 apart
        var rng = RNG(seed: 8)
        let rows = 2500, p = 3, L = 2, m = L * p
        var x = [Double](repeating: 0, count: rows * p)
        for t in 1..<rows {
            let shared = rng.gaussian()
            x[t * p] = 0.5 * x[(t - 1) * p] + shared + 0.5 * rng.gaussian()
            x[t * p + 1] = 0.4 * x[(t - 1) * p] + 0.3 * x[(t - 1) * p + 1] + rng.gaussian()
            x[t * p + 2] = -0.3 * x[(t - 1) * p + 1] + 0.8 * shared + 0.5 * rng.gaussian()
        }
        let w = WindowSet(sources: [Series(rows: rows, columns: p, values: x)], maxLag: L, validationFraction: 0.2)
        let got = SameStepErrors.linearErrors(windows: w, heldOut: w.validation)!
        // reference: the VAR's coefficients applied in plain loops, the correlation by two passes
        let b = AutoregressiveStart.vectorCoefficients(windows: w, banks: 1)[0]
        var input = [Float](repeating: 0, count: m), target = [Float](repeating: 0, count: m)
        var e = [[Double]](repeating: [], count: p)
        for ref in w.validation {
            w.fill(ref, input: &input, target: &target)
            for i in 0..<p {
                var f = 0.0
                for k in 0..<m { f += b[k * p + i] * Double(input[(L - 1 - k / p) * p + k % p]) }
                e[i].append(f - Double(target[(L - 1) * p + i]))
            }
        }
        func corr(_ u: [Double], _ v: [Double]) -> Double {
            let mu = u.reduce(0, +) / Double(u.count), mv = v.reduce(0, +) / Double(v.count)
            let uv = zip(u, v).map { ($0 - mu) * ($1 - mv) }.reduce(0, +)
            return uv / (u.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) * v.map { ($0 - mv) * ($0 - mv) }.reduce(0, +)).squareRoot()
        }
        for (i, k) in [(0, 1), (0, 2), (1, 2)] { #expect(abs(got.correlation[i * p + k] - corr(e[i], e[k])) < 1e-9) }
        #expect(got.correlation[0 * p + 2] > 0.5 && abs(got.correlation[0 * p + 1]) < 0.1)
        #expect(SameStepErrors.pairs(model: got, regression: got).map { [$0.first, $0.second] } == [[0, 2]])
        // above the bound on inputs there is no linear check
        let wide = WindowSet(sources: [smallVARSource(variables: 40, rows: 200)], maxLag: 26, validationFraction: 0.3)
        #expect(SameStepErrors.linearErrors(windows: wide, heldOut: wide.validation) == nil)
    }

    @Test func cubicRegressionFitsASharedNonlinearParent() {
        // x1 and x2 are both x0² at lag 1 plus independent noise: no link within the step. The
        // VAR misses the square, so its errors of x1 and x2 share it; the cubic regression fits it
        var rng = RNG(seed: 30)
        let rows = 3000, p = 3, L = 2
        var x = [Double](repeating: 0, count: rows * p)
        for t in 1..<rows {
            x[t * p] = 0.3 * x[(t - 1) * p] + rng.gaussian()
            let sq = x[(t - 1) * p] * x[(t - 1) * p]
            x[t * p + 1] = sq + 0.5 * rng.gaussian()
            x[t * p + 2] = sq + 0.5 * rng.gaussian()
        }
        let w = WindowSet(sources: [Series(rows: rows, columns: p, values: x)], maxLag: L, validationFraction: 0.25)
        let linear = SameStepErrors.linearErrors(windows: w, heldOut: w.validation)!
        let cubic = SameStepErrors.regressionErrors(windows: w, heldOut: w.validation)!
        #expect(linear.correlation[1 * p + 2] > 0.3, "\(linear.correlation)")
        #expect(abs(cubic.correlation[1 * p + 2]) < 0.1, "\(cubic.correlation)")
        #expect(SameStepErrors.pairs(model: linear, regression: cubic).isEmpty)
        // too few training windows per feature: the VAR's errors instead
        let short = WindowSet(sources: [Series(rows: 60, columns: p, values: Array(x.prefix(60 * p)))], maxLag: L, validationFraction: 0.25)
        #expect(SameStepErrors.regressionErrors(windows: short, heldOut: short.validation) == SameStepErrors.linearErrors(windows: short, heldOut: short.validation))
    }
}
