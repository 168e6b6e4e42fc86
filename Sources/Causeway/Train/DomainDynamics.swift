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
        let p = windows.variables, m = windows.maxLag * p, D = windows.sources.count
        let untestable = Result(statistic: .nan, pValue: .nan, testable: false)
        let groups = VARNormalEquations.groups(windows: windows, perDomain: true)
        guard groups.allSatisfy({ $0.count > m + 10 }) else { return untestable }
        var separate = 0.0
        for g in groups {
            guard let r = g.residualSumOfSquares(ridge: AutoregressiveStart.ridge * Double(g.count)) else { return untestable }
            separate += r
        }
        let all = VARNormalEquations.pooled(groups)
        guard let pooled = all.residualSumOfSquares(ridge: AutoregressiveStart.ridge * Double(all.count)), separate > 0 else {
            return untestable
        }
        let df1 = Double(p * m * (D - 1)), df2 = Double(p * (all.count - D * m))
        let f = max(0, (pooled - separate) / df1) / (separate / df2)
        // P(F > f) = I_{df2 / (df2 + df1·f)}(df2/2, df1/2)
        let pValue = StudentT.regularizedIncompleteBeta(df2 / (df2 + df1 * f), a: df2 / 2, b: df1 / 2)
        return Result(statistic: f, pValue: pValue, testable: true)
    }
}
