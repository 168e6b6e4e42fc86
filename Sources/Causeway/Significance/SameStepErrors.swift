import CBLAS
import Foundation

/// Correlated forecast errors within one time step: the sign that a lagged graph cannot
/// explain what links two variables.
///
/// If the model's one-step forecast errors of x_i and x_k at the same t are correlated, the two
/// share something the window's past does not hold: an effect within one time step (lag 0), a
/// common driver that is not in the data, or sampling coarser than the effects. The lagged
/// edges between such a pair can then be real dependencies that are not direct causal links
/// (README, *What an edge is not*). PCMCI+ tests these contemporaneous links; Causeway warns.
///
/// The errors are those of the tests' base forecasts on the held-out windows
/// (`PredictiveImpact.test`), centred per domain. A pair is named when |r| ≥ `minimumCorrelation`
/// and Fisher's z rejects r = 0 at `familyLevel` / (number of pairs) (Bonferroni), with n the
/// held-out windows (the one-step errors of a good forecaster are close to white).
///
/// Measured (stop 24): a new-user trial's hidden common driver (an unobserved AR(1) z drives x0
/// at lag 1 and x1 at lag 2, and x0 → x1 at lag 1 is reported with q ≈ 1e-20) gives r ≈ 0.2;
/// a lag-1 chain sampled every 3rd step r ≈ 0.3. docs/accuracy.md has where it fires on the
/// benchmark sets.
public enum SameStepErrors {
    /// Smallest |r| named: below it the shared part is at most 1% of either error's variance.
    public static let minimumCorrelation = 0.1
    /// Family-wise level of the Fisher-z tests over all pairs.
    public static let familyLevel = 0.01
    /// Pairs named in the warning; the rest are counted.
    public static let listed = 5
    /// From this share of all pairs on, the correlation is pervasive (a common factor) and the
    /// warning says so instead of listing the graph's edges between the pairs.
    public static let pervasiveShare = 0.25

    /// [p, p] row-major correlations of the columns of `errors` ([n, p] row-major), each column
    /// centred on its mean within each domain run (`runs`, contiguous row ranges that cover
    /// 0..<n); NaN on row and column of a column with no variance. Exactly symmetric, unit
    /// diagonal where defined.
    public static func correlation(errors: UnsafePointer<Double>, rows n: Int, columns p: Int, runs: [Range<Int>]) -> [Double] {
        precondition(p >= 1 && runs.reduce(0) { $0 + $1.count } == n, "same-step errors: runs must cover the rows")
        let x = UnsafeMutablePointer<Double>.allocate(capacity: max(1, n * p))
        defer { x.deallocate() }
        for run in runs {
            for j in 0..<p {
                var mean = 0.0
                for w in run { mean += errors[w * p + j] }
                mean /= Double(max(1, run.count))
                for w in run { x[w * p + j] = errors[w * p + j] - mean }
            }
        }
        var c = [Double](repeating: 0, count: p * p)
        if n > 0 { cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(p), Int32(n), 1, x, Int32(p), 0, &c, Int32(p)) }
        var r = [Double](repeating: .nan, count: p * p)
        for i in 0..<p {
            for k in 0...i {
                let v = c[i * p + i] * c[k * p + k]
                let value = v > 0 ? (i == k ? 1 : c[i * p + k] / v.squareRoot()) : .nan
                r[i * p + k] = value; r[k * p + i] = value
            }
        }
        return r
    }

    /// One correlated pair (i < k) of variables, with its correlation and Fisher-z p-value.
    public struct Pair: Equatable, Sendable {
        public let first: Int, second: Int
        public let correlation: Double
        public let pValue: Double
    }

    /// The pairs that pass both bars, strongest |r| first.
    /// - Parameters: correlation [p, p] (`correlation(errors:…)`), n the rows it came from.
    public static func pairs(correlation r: [Double], variables p: Int, windows n: Int) -> [Pair] {
        precondition(r.count == p * p)
        guard p >= 2, n >= 4 else { return [] }
        let bar = familyLevel / Double(p * (p - 1) / 2)
        var out: [Pair] = []
        for i in 0..<p {
            for k in (i + 1)..<p {
                let v = r[i * p + k]
                guard v.isFinite, abs(v) >= minimumCorrelation else { continue }
                let z = atanh(min(abs(v), 1 - 1e-12)) * Double(n - 3).squareRoot()
                let pValue = erfc(z / 2.0.squareRoot())     // two-sided
                if pValue <= bar { out.append(Pair(first: i, second: k, correlation: v, pValue: pValue)) }
            }
        }
        return out.sorted { abs($0.correlation) != abs($1.correlation) ? abs($0.correlation) > abs($1.correlation)
                                                                       : ($0.first, $0.second) < ($1.first, $1.second) }
    }

    /// The warning for `pairs` (nil when empty): the pairs with r, the lagged edges of `edges`
    /// between them, and what each cause would mean.
    public static func diagnostic(_ pairs: [Pair], variables: [String], windows n: Int, edges: [LaggedEdge]) -> Diagnostic? {
        guard !pairs.isEmpty else { return nil }
        let named = pairs.prefix(listed).map { "'\(variables[$0.first])' and '\(variables[$0.second])' (r = \(String(format: "%.2f", $0.correlation)))" }
        let linked = Set(pairs.map { [$0.first, $0.second] })
        let between = edges.filter { $0.source != $0.target && linked.contains([min($0.source, $0.target), max($0.source, $0.target)]) }
        let shown = between.prefix(5).map { "\(variables[$0.source]) → \(variables[$0.target]) lag \($0.lag)" }
        var columns: [String] = []
        for q in pairs.prefix(listed) { for v in [variables[q.first], variables[q.second]] where !columns.contains(v) { columns.append(v) } }
        let p = variables.count, all = p * (p - 1) / 2
        if p >= 5 && Double(pairs.count) >= pervasiveShare * Double(all) {
            return Diagnostic(kind: .sameStep, columns: columns, message:
                "forecast errors move together within the same time step for \(pairs.count) of the \(all) pairs of variables "
                + "(strongest: " + named.joined(separator: ", ") + "; \(n) held-out windows, |r| ≥ \(minimumCorrelation), Fisher z "
                + "with Bonferroni at \(familyLevel)): a common factor that is not in the data (a market, a global signal) or "
                + "effects within one time step. The lagged edges are about what the past predicts beyond that shared part, and "
                + "an edge can still be indirect through the factor; on simulated stock returns with such a factor (the finance "
                + "benchmark, r up to 0.9) the default graph had lagged F1 0.93–0.98 (docs/accuracy.md)")
        }
        return Diagnostic(kind: .sameStep, columns: columns, message:
            "forecast errors are correlated within the same time step for \(pairs.count) pair\(pairs.count == 1 ? "" : "s") of "
            + "variables: " + named.joined(separator: ", ") + (pairs.count > listed ? " and \(pairs.count - listed) more" : "")
            + " (\(n) held-out windows; |r| ≥ \(minimumCorrelation), Fisher z with Bonferroni at \(familyLevel)). Something links "
            + "them that their past does not hold: an effect within one time step (lag 0), a common driver that is not in the "
            + "data, or sampling coarser than the effects. Lagged edges between them can then be real dependencies that are "
            + "not direct causal links"
            + (between.isEmpty ? "" : "; in this graph: " + shown.joined(separator: ", ") + (between.count > 5 ? " and \(between.count - 5) more" : ""))
            + ". Add the driver as a variable if you can measure it, or sample more often (README, What an edge is not)")
    }
}
