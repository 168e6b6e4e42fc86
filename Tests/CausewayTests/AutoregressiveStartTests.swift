import Foundation
import Testing
@testable import Causeway

/// `AutoregressiveStart`: the linear path's starting fit against an independent least-squares
/// reference, its placement in the weights (through the model's own forward pass), and banks.
@Suite struct AutoregressiveStartTests {
    /// Two independent AR(2) series, x_t = a1·x_t−1 + a2·x_t−2 + e_t, one per column.
    static func ar2(rows: Int, coefficients: [(Double, Double)], seed: UInt64) -> Series {
        var rng = RNG(seed: seed)
        let p = coefficients.count
        var x = [Double](repeating: 0, count: rows * p)
        for t in 0..<rows {
            for i in 0..<p {
                var v = rng.gaussian()
                if t >= 1 { v += coefficients[i].0 * x[(t - 1) * p + i] }
                if t >= 2 { v += coefficients[i].1 * x[(t - 2) * p + i] }
                x[t * p + i] = v
            }
        }
        return Series(rows: rows, columns: p, values: x)
    }

    /// Independent reference: the ridge solution of one variable's AR(2) by Cramer's rule on
    /// sums taken straight from the series (rows start+2 of every training window start).
    static func reference(_ s: Series, variable i: Int, starts: [Int], ridge: Double) -> (Double, Double) {
        var s11 = 0.0, s12 = 0.0, s22 = 0.0, s1y = 0.0, s2y = 0.0
        for st in starts {
            let y = s.value(st + 2, i), x1 = s.value(st + 1, i), x2 = s.value(st, i)
            s11 += x1 * x1; s12 += x1 * x2; s22 += x2 * x2; s1y += x1 * y; s2y += x2 * y
        }
        let n = Double(starts.count)
        s11 += ridge * n; s22 += ridge * n
        let det = s11 * s22 - s12 * s12
        return ((s1y * s22 - s2y * s12) / det, (s11 * s2y - s12 * s1y) / det)
    }

    @Test func fitMatchesIndependentLeastSquares() {
        let s = Self.ar2(rows: 400, coefficients: [(0.5, 0.3), (-0.4, 0.2)], seed: 5)
        let w = WindowSet(sources: [s], maxLag: 2, validationFraction: 0.2)
        let coef = AutoregressiveStart.coefficients(windows: w, banks: 1, lags: 2)
        for i in 0..<2 {
            let r = Self.reference(s, variable: i, starts: w.train.map { Int($0.start) }, ridge: AutoregressiveStart.ridge)
            // the fit reads the Float values the model sees; the reference the series' doubles
            #expect(abs(coef[0][i][0] - r.0) < 1e-6 && abs(coef[0][i][1] - r.1) < 1e-6, "variable \(i): \(coef[0][i]) vs \(r)")
        }
    }

    @Test func recoversTheTrueCoefficientsOnALongSeries() {
        let s = Self.ar2(rows: 20_000, coefficients: [(0.5, 0.3), (-0.4, 0.2)], seed: 6)
        let coef = AutoregressiveStart.coefficients(windows: WindowSet(sources: [s], maxLag: 2, validationFraction: 0.1), banks: 1, lags: 2)
        #expect(abs(coef[0][0][0] - 0.5) < 0.03 && abs(coef[0][0][1] - 0.3) < 0.03)
        #expect(abs(coef[0][1][0] + 0.4) < 0.03 && abs(coef[0][1][1] - 0.2) < 0.03)
    }

    /// The path's contribution to the last position's forecast, read through the model's own
    /// forward pass (with and without the path), is a·x_i,t−1: nothing from other lags or variables.
    @Test func theLinearPathForecastsWithTheFit() {
        let s = Self.ar2(rows: 300, coefficients: [(0.5, 0.3), (-0.4, 0.2), (0.1, 0.0)], seed: 7)
        let w = WindowSet(sources: [s], maxLag: 2, validationFraction: 0.2)
        let c = ModelConfig(tokens: .step, variables: 3, maxLag: 2, dModel: 8, layers: 1, heads: 2, linearPath: true)
        let m = Transformer(config: c, batchCapacity: 1, seed: 1)
        AutoregressiveStart.apply(to: m, windows: w)
        let coef = AutoregressiveStart.coefficients(windows: w, banks: 1, lags: 1)
        let target = UnsafeMutablePointer<Float>.allocate(capacity: 6)
        defer { target.deallocate() }
        w.fill(w.validation[3], input: m.input, target: target)
        m.forward(batch: 1, linearPath: false)
        let without = Array(UnsafeBufferPointer(start: m.output + 3, count: 3))
        m.forward(batch: 1)
        for i in 0..<3 {
            let expected = coef[0][i][0] * Double(m.input[3 + i])   // lag 1 only
            #expect(abs(Double(m.output[3 + i] - without[i]) - expected) < 1e-5, "variable \(i)")
        }
    }

    /// With one bank per domain each bank holds its own domain's fit; one shared bank pools them.
    @Test func oneFitPerDomainBank() {
        let a = Self.ar2(rows: 3_000, coefficients: [(0.7, 0.0)], seed: 8)
        let b = Self.ar2(rows: 3_000, coefficients: [(-0.7, 0.0)], seed: 9)
        let w = WindowSet(sources: [a, b], maxLag: 2, validationFraction: 0.1)
        let perDomain = AutoregressiveStart.coefficients(windows: w, banks: 2, lags: 1)
        #expect(abs(perDomain[0][0][0] - 0.7) < 0.05 && abs(perDomain[1][0][0] + 0.7) < 0.05)
        let dA = AutoregressiveStart.coefficients(windows: WindowSet(sources: [a], maxLag: 2, validationFraction: 0.1), banks: 1, lags: 1)
        #expect(perDomain[0][0] == dA[0][0])
        let pooled = AutoregressiveStart.coefficients(windows: w, banks: 1, lags: 1)
        #expect(abs(pooled[0][0][0]) < 0.1)   // opposite signs average out
        let c = ModelConfig(tokens: .step, variables: 1, maxLag: 2, dModel: 8, layers: 1, heads: 2,
                            domainEmbeddings: 2, linearPath: true, linearPathPerDomain: true)
        let m = Transformer(config: c, batchCapacity: 1, seed: 1)
        AutoregressiveStart.apply(to: m, windows: w)
        let weights = m.parameters.pointer + m.layout.linearW.offset   // [bank, lag−1, 1, 1]
        #expect(abs(Double(weights[0]) * Double(c.linearPathScale) - perDomain[0][0][0]) < 1e-6)
        #expect(abs(Double(weights[2]) * Double(c.linearPathScale) - perDomain[1][0][0]) < 1e-6)
        #expect(weights[1] == 0 && weights[3] == 0)   // lag 2 untouched
    }

    /// `--linear-path-start var`: the full VAR fit against the ridge normal equations built from
    /// the series' doubles and solved per target by Gaussian elimination (`solveLinearSystem`),
    /// and its placement through the model's own forward pass: the path's last-step forecast of
    /// target i is Σ B[(lag−1)·p + j, i]·x_j,t−lag.
    @Test func vectorStartIsTheLeastSquaresVAR() {
        // x1 depends on x0 at lag 1, x2 on x1 at lag 2
        var rng = RNG(seed: 12)
        let rows = 500, p = 3, L = 2, m = L * p
        var x = [Double](repeating: 0, count: rows * p)
        for t in 2..<rows {
            x[t * p] = 0.5 * x[(t - 1) * p] + rng.gaussian()
            x[t * p + 1] = 0.6 * x[(t - 1) * p] - 0.3 * x[(t - 1) * p + 1] + rng.gaussian()
            x[t * p + 2] = 0.4 * x[(t - 2) * p + 1] + 0.2 * x[(t - 1) * p + 2] + rng.gaussian()
        }
        let s = Series(rows: rows, columns: p, values: x)
        let w = WindowSet(sources: [s], maxLag: L, validationFraction: 0.2)
        let got = AutoregressiveStart.vectorCoefficients(windows: w, banks: 1)[0]
        // reference: the inputs as the model sees them (z-scored by the window set's own
        // statistics, read back through `fill`), the sums in plain loops
        var xtx = [Double](repeating: 0, count: m * m), xty = [Double](repeating: 0, count: m * p)
        var input = [Float](repeating: 0, count: m), target = [Float](repeating: 0, count: m)
        for ref in w.train {
            w.fill(ref, input: &input, target: &target)
            let row = (0..<m).map { k in Double(input[(L - 1 - k / p) * p + k % p]) }   // (lag−1)·p + j
            for a in 0..<m {
                for b in 0..<m { xtx[a * m + b] += row[a] * row[b] }
                for i in 0..<p { xty[a * p + i] += row[a] * Double(target[(L - 1) * p + i]) }
            }
        }
        for a in 0..<m { xtx[a * m + a] += max(AutoregressiveStart.ridge * Double(w.train.count), Double(m)) }
        for i in 0..<p {
            let beta = solveLinearSystem(xtx, (0..<m).map { xty[$0 * p + i] }, m)
            for k in 0..<m { #expect(abs(got[k * p + i] - beta[k]) < 1e-9, "target \(i), input \(k)") }
        }
        #expect(abs(got[0 * p + 1] - 0.6) < 0.15 && abs(got[(1 * p + 1) * p + 2] - 0.4) < 0.15)   // x0→x1 lag 1, x1→x2 lag 2
        // placement: the path's share of the last-step forecast
        let c = ModelConfig(tokens: .step, variables: p, maxLag: L, dModel: 8, layers: 1, heads: 2, linearPath: true)
        let model = Transformer(config: c, batchCapacity: 1, seed: 1)
        AutoregressiveStart.apply(to: model, windows: w, start: .vector)
        Self.expectPathForecasts(model, windows: w, window: w.validation[3], coefficients: got)
    }

    /// The linear path's share of `model`'s last-step forecast on `window` equals
    /// Σ B[(lag−1)·p + j, i]·x_j,t−lag for the start's `coefficients` B ([L·p·p], (lag−1, source, target)).
    static func expectPathForecasts(_ model: Transformer, windows w: WindowSet, window: WindowRef, coefficients got: [Double],
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        let L = model.config.maxLag, p = model.config.variables
        var target = [Float](repeating: 0, count: L * p)
        w.fill(window, input: model.input, target: &target)
        model.forward(batch: 1, linearPath: false)
        let without = Array(UnsafeBufferPointer(start: model.output + (L - 1) * p, count: p))
        model.forward(batch: 1)
        for i in 0..<p {
            var expected = 0.0
            for l in 0..<L { for j in 0..<p { expected += got[(l * p + j) * p + i] * Double(model.input[(L - 1 - l) * p + j]) } }
            #expect(abs(Double(model.output[(L - 1) * p + i] - without[i]) - expected) < 1e-5, "target \(i)", sourceLocation: sourceLocation)
        }
    }

    @Test func choleskySolveMatchesTheSystem() throws {
        let a: [Double] = [4, 2, 0.6, 2, 5, 1, 0.6, 1, 3], b: [Double] = [1, -2, 0.5]
        let x = try SymmetricPositiveDefinite.solve(a, b, n: 3)
        for i in 0..<3 {
            let r = (0..<3).reduce(0.0) { $0 + a[i * 3 + $1] * x[$1] }
            #expect(abs(r - b[i]) < 1e-12)
        }
    }
}
