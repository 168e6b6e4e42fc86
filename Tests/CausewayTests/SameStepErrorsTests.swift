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
        let r = e.withUnsafeBufferPointer { SameStepErrors.correlation(errors: $0.baseAddress!, rows: n, columns: 3, runs: [0..<split, split..<n]) }
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
        let r2 = flat.withUnsafeBufferPointer { SameStepErrors.correlation(errors: $0.baseAddress!, rows: n, columns: 3, runs: [0..<n]) }
        #expect(r2[1 * 3 + 1].isNaN && r2[0 * 3 + 1].isNaN && r2[2 * 3 + 1].isNaN && r2[0 * 3 + 2].isFinite)
    }

    @Test func fisherZPValuesMatchScipy() {
        // 2·norm.sf(atanh|r|·√(n − 3)) from scipy 1.x
        for (r, n, reference) in [(0.2, 750, 3.008447274912374e-08), (0.12, 2000, 7.104753136646295e-08)] {
            let found = SameStepErrors.pairs(correlation: [1, r, r, 1], variables: 2, windows: n)
            #expect(found.count == 1 && abs(found[0].pValue / reference - 1) < 1e-6, "\(found)")
        }
        // r = −0.3 on 60 windows: p = 0.0194 > 0.01, not named; and |r| below 0.1 never is
        #expect(SameStepErrors.pairs(correlation: [1, -0.3, -0.3, 1], variables: 2, windows: 60).isEmpty)
        #expect(SameStepErrors.pairs(correlation: [1, 0.09, 0.09, 1], variables: 2, windows: 100_000).isEmpty)
    }

    @Test func aSharedComponentIsNamedAndIndependentErrorsAreNot() {
        var rng = RNG(seed: 9)
        let n = 800, p = 20
        var cols = (0..<p).map { _ in (0..<n).map { _ in rng.gaussian() } }
        let e0 = Self.rows(cols)
        let r0 = e0.withUnsafeBufferPointer { SameStepErrors.correlation(errors: $0.baseAddress!, rows: n, columns: p, runs: [0..<n]) }
        #expect(SameStepErrors.pairs(correlation: r0, variables: p, windows: n).isEmpty)
        // a hidden driver's innovation in x3 and x11 (r ≈ 0.2)
        let h = (0..<n).map { _ in rng.gaussian() }
        for t in 0..<n { cols[3][t] += 0.5 * h[t]; cols[11][t] += 0.5 * h[t] }
        let e1 = Self.rows(cols)
        let r1 = e1.withUnsafeBufferPointer { SameStepErrors.correlation(errors: $0.baseAddress!, rows: n, columns: p, runs: [0..<n]) }
        let found = SameStepErrors.pairs(correlation: r1, variables: p, windows: n)
        #expect(found.map { [$0.first, $0.second] } == [[3, 11]], "\(found)")
        let names = (0..<p).map { "x\($0)" }
        let edges = [LaggedEdge(source: 3, target: 11, lag: 1), LaggedEdge(source: 3, target: 3, lag: 1), LaggedEdge(source: 2, target: 11, lag: 1)]
        let d = SameStepErrors.diagnostic(found, variables: names, windows: n, edges: edges)
        #expect(d?.kind == .sameStep && d?.columns == ["x3", "x11"])
        let m = d?.message ?? ""
        #expect(m.contains("'x3' and 'x11' (r = 0.") && m.contains("in this graph: x3 → x11 lag 1.") && !m.contains("x2 →"), "\(m)")
        #expect(SameStepErrors.diagnostic([], variables: names, windows: n, edges: edges) == nil)
        // a factor shared by every variable: the pervasive wording, without the edge list
        let factor = (0..<n).map { _ in rng.gaussian() }
        let common = Self.rows((0..<6).map { _ in (0..<n).map { factor[$0] + rng.gaussian() } })
        let rc = common.withUnsafeBufferPointer { SameStepErrors.correlation(errors: $0.baseAddress!, rows: n, columns: 6, runs: [0..<n]) }
        let everyPair = SameStepErrors.pairs(correlation: rc, variables: 6, windows: n)
        #expect(everyPair.count == 15)
        let dc = SameStepErrors.diagnostic(everyPair, variables: Array(names.prefix(6)), windows: n, edges: [LaggedEdge(source: 0, target: 1, lag: 1)])
        #expect(dc?.message.hasPrefix("forecast errors move together within the same time step for 15 of the 15 pairs") == true
                && dc?.message.contains("in this graph") == false, "\(String(describing: dc))")
    }
}
