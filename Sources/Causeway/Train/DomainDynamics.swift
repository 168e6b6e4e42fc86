import CBLAS

/// Do the domains share one linear VAR? A Chow test on the training windows decides whether a
/// multi-domain run gets one linear path per domain (`--linear-path-per-domain`) or one shared
/// path, when the user says neither.
///
/// Why: per-domain paths let domains whose coefficients differ in size or sign keep their own
/// (3 domains × 1,000 rows of `generate --family monotonic`: lagged F1 0.36 → 1.00), but when the
/// domains share their dynamics they split each coefficient's evidence D ways (a new-user
/// trial's 4 subjects × 300 rows of one VAR(2): cross-edge recall 0.50 per domain, 1.00 shared).
///
/// The test (Chow 1960, "Tests of equality between sets of coefficients in two linear
/// regressions", Econometrica 28:591–605), pooled over the p targets: with X the m = L·p
/// z-scored inputs of the training windows and y a target, RSS_pooled from one least-squares
/// fit over all N windows and RSS_separate = Σ_d RSS_d from one fit per domain,
///   F = ((RSS_pooled − RSS_separate) / (p·m·(D − 1))) / (RSS_separate / (p·(N − D·m))),
/// referred to F(p·m·(D − 1), p·(N − D·m)) (the targets' fits treated as independent). Each fit
/// carries the ridge of `AutoregressiveStart.ridge`·n so that collinear inputs stay solvable.
public enum DomainDynamics {
    /// The p-value below which the domains count as different.
    public static let level = 0.001

    public struct Result: Sendable {
        public let statistic: Double
        public let pValue: Double
        /// false when a domain has too few training windows (≤ m + 10) for its own fit.
        public let testable: Bool
        public var differ: Bool { !testable || pValue < DomainDynamics.level }
    }

    /// The Chow test of `windows`' training windows, one group per domain.
    public static func test(windows: WindowSet) -> Result {
        let L = windows.maxLag, p = windows.variables, m = L * p, D = windows.sources.count
        var xtx = [[Double]](repeating: [Double](repeating: 0, count: m * m), count: D)
        var xty = [[Double]](repeating: [Double](repeating: 0, count: m * p), count: D)
        var yty = [[Double]](repeating: [Double](repeating: 0, count: p), count: D)
        var n = [Int](repeating: 0, count: D)
        let input = UnsafeMutablePointer<Float>.allocate(capacity: m)
        let target = UnsafeMutablePointer<Float>.allocate(capacity: m)
        defer { input.deallocate(); target.deallocate() }
        var x = [Double](repeating: 0, count: m)
        for w in windows.train {
            windows.fill(w, input: input, target: target)
            let d = Int(w.domain)
            n[d] += 1
            for k in 0..<m { x[k] = Double(input[k]) }
            xtx[d].withUnsafeMutableBufferPointer { a in cblas_dsyr(CblasRowMajor, CblasLower, Int32(m), 1, x, 1, a.baseAddress, Int32(m)) }
            for i in 0..<p {
                let y = Double(target[(L - 1) * p + i])
                yty[d][i] += y * y
                for k in 0..<m where x[k] != 0 { xty[d][k * p + i] += x[k] * y }
            }
        }
        guard n.allSatisfy({ $0 > m + 10 }) else { return Result(statistic: .nan, pValue: .nan, testable: false) }
        /// Σ_i RSS_i of the ridge fit B = (A + λI)⁻¹ c: yᵀy − 2 Bᵀc + Bᵀ A B per target.
        func rss(_ a: [Double], _ c: [Double], _ yy: [Double], windows count: Int) -> Double? {
            var full = a
            for r in 0..<m { for s in (r + 1)..<max(r + 1, m) { full[r * m + s] = full[s * m + r] } }
            var reg = full
            for r in 0..<m { reg[r * m + r] += AutoregressiveStart.ridge * Double(count) }
            guard let b = try? SymmetricPositiveDefinite.solve(reg, c, n: m, columns: p) else { return nil }
            var ab = [Double](repeating: 0, count: m * p)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(p), Int32(m), 1, full, Int32(m), b, Int32(p), 0, &ab, Int32(p))
            var total = 0.0
            for i in 0..<p {
                var bc = 0.0, bab = 0.0
                for k in 0..<m { bc += b[k * p + i] * c[k * p + i]; bab += b[k * p + i] * ab[k * p + i] }
                total += yy[i] - 2 * bc + bab
            }
            return total
        }
        var pooledA = [Double](repeating: 0, count: m * m), pooledC = [Double](repeating: 0, count: m * p)
        var pooledY = [Double](repeating: 0, count: p), separate = 0.0
        for d in 0..<D {
            for k in 0..<(m * m) { pooledA[k] += xtx[d][k] }
            for k in 0..<(m * p) { pooledC[k] += xty[d][k] }
            for i in 0..<p { pooledY[i] += yty[d][i] }
            guard let r = rss(xtx[d], xty[d], yty[d], windows: n[d]) else { return Result(statistic: .nan, pValue: .nan, testable: false) }
            separate += r
        }
        let N = n.reduce(0, +)
        guard let pooled = rss(pooledA, pooledC, pooledY, windows: N), separate > 0 else {
            return Result(statistic: .nan, pValue: .nan, testable: false)
        }
        let df1 = Double(p * m * (D - 1)), df2 = Double(p * (N - D * m))
        let f = max(0, (pooled - separate) / df1) / (separate / df2)
        // P(F > f) = I_{df2 / (df2 + df1·f)}(df2/2, df1/2)
        let pValue = StudentT.regularizedIncompleteBeta(df2 / (df2 + df1 * f), a: df2 / 2, b: df1 / 2)
        return Result(statistic: f, pValue: pValue, testable: true)
    }
}
