import Foundation
import Testing
@testable import Causeway

/// `DomainDynamics`: the Chow test against residual sums computed independently (per-target
/// least squares by Gaussian elimination), its F tail against a table value, and its decisions.
@Suite struct DomainDynamicsTests {
    /// A 2-variable VAR(1) x_t = A·x_t−1 + e_t with x0 → x1 of coefficient `cross`.
    static func var1(rows: Int, cross: Double, seed: UInt64) -> Series {
        var rng = RNG(seed: seed)
        var x = [Double](repeating: 0, count: rows * 2)
        for t in 1..<rows {
            x[t * 2] = 0.5 * x[(t - 1) * 2] + rng.gaussian()
            x[t * 2 + 1] = cross * x[(t - 1) * 2] + 0.3 * x[(t - 1) * 2 + 1] + rng.gaussian()
        }
        return Series(rows: rows, columns: 2, values: x)
    }

    @Test func fTailMatchesTheTable() {
        // P(F(10, 20) > 2.348) = 0.05 (the table's 5% point)
        let f = 2.348, d1 = 10.0, d2 = 20.0
        let p = StudentT.regularizedIncompleteBeta(d2 / (d2 + d1 * f), a: d2 / 2, b: d1 / 2)
        #expect(abs(p - 0.05) < 0.001, "\(p)")
    }

    @Test func statisticMatchesIndependentResidualSums() {
        let a = Self.var1(rows: 400, cross: 0.6, seed: 1), b = Self.var1(rows: 400, cross: -0.6, seed: 2)
        let w = WindowSet(sources: [a, b], maxLag: 2, validationFraction: 0.2)
        let r = DomainDynamics.test(windows: w)
        let L = 2, p = 2, m = L * p
        // least squares per target, by the normal equations with the same ridge, on the inputs as the model sees them
        func rss(_ refs: [WindowRef]) -> Double {
            var input = [Float](repeating: 0, count: m), target = [Float](repeating: 0, count: m)
            var rows: [[Double]] = [], ys: [[Double]] = []
            for ref in refs {
                w.fill(ref, input: &input, target: &target)
                rows.append(input.map(Double.init)); ys.append((0..<p).map { Double(target[(L - 1) * p + $0]) })
            }
            var total = 0.0
            for i in 0..<p {
                var xtx = [Double](repeating: 0, count: m * m), xty = [Double](repeating: 0, count: m)
                for (x, y) in zip(rows, ys) { for u in 0..<m { xty[u] += x[u] * y[i]; for v in 0..<m { xtx[u * m + v] += x[u] * x[v] } } }
                for u in 0..<m { xtx[u * m + u] += AutoregressiveStart.ridge * Double(rows.count) }
                let beta = solveLinearSystem(xtx, xty, m)
                for (x, y) in zip(rows, ys) { let e = y[i] - (0..<m).reduce(0) { $0 + beta[$1] * x[$1] }; total += e * e }
            }
            return total
        }
        let separate = rss(w.train.filter { $0.domain == 0 }) + rss(w.train.filter { $0.domain == 1 })
        let pooled = rss(w.train), N = Double(w.train.count)
        let f = ((pooled - separate) / Double(p * m)) / (separate / (Double(p) * (N - 2 * Double(m))))
        #expect(r.testable && abs(r.statistic - f) < 1e-6 * f, "\(r.statistic) vs \(f)")
        #expect(r.differ)   // cross coefficients 0.6 and −0.6 over 2 × 320 windows
    }

    @Test func sameDynamicsShareOnePath() {
        let w = WindowSet(sources: [Self.var1(rows: 400, cross: 0.6, seed: 3), Self.var1(rows: 400, cross: 0.6, seed: 4),
                                    Self.var1(rows: 400, cross: 0.6, seed: 5)], maxLag: 2, validationFraction: 0.2)
        let r = DomainDynamics.test(windows: w)
        #expect(r.testable && !r.differ && r.pValue > DomainDynamics.level, "F \(r.statistic), p \(r.pValue)")
    }

    @Test func tooFewWindowsKeepPerDomainPaths() {
        let w = WindowSet(sources: [Self.var1(rows: 400, cross: 0.6, seed: 6), Self.var1(rows: 14, cross: 0.6, seed: 7)],
                          maxLag: 2, validationFraction: 0.2)
        let r = DomainDynamics.test(windows: w)
        #expect(!r.testable && r.differ)
    }
}
