import CBLAS
import Foundation

/// One warning about the input data: printed on the terminal, stored in graph.json under
/// "diagnostics" as {kind, columns, message}, shown in report.html.
public struct Diagnostic: Equatable, Sendable, Codable {
    /// What the warning is about; the raw value is the `kind` string in graph.json.
    public enum Kind: String, Codable, Sendable {
        case collinear, deterministic, trend, periodic, unitRoot = "unit_root", levelShift = "level_shift",
             smallSample = "small_sample", indexColumn = "index_column", irregularTime = "irregular_time",
             missing, dropped, outlier, sameStep = "same_step", note
    }
    public let kind: Kind
    /// The variables concerned, in the dataset's column order (empty for a dataset-wide note).
    public let columns: [String]
    /// Complete sentences: what was measured (with the number and the threshold), why it
    /// matters for lagged causal discovery, and the flag that addresses it.
    public let message: String

    public init(kind: Kind, columns: [String], message: String) {
        self.kind = kind
        self.columns = columns
        self.message = message
    }
}

/// Checks of the input data that run before training and warn (never fail) about properties
/// that make lagged edges misleading: duplicated columns, noise-free columns, trends, unit
/// roots and level shifts. Pure functions of the values: no files, no state.
///
/// Every check ignores non-finite cells (NaN = missing; ±∞ is treated the same): a pair,
/// window or regression row that needs a missing cell is skipped. Columns that are constant in
/// a domain (standard deviation ≤ 1e-9 × max|x|, i.e. below float32 resolution) are skipped in
/// that domain; the loader reports them.
///
/// Cost, for r rows in all, p variables and L = maxLag: collinearity O(r·p²) in BLAS
/// (`cblas_dsyrk` / `cblas_dgemm` on row blocks, O(B·p + p²) memory), the per-column checks
/// O(r·p·L²) on column blocks of the input (O(32·r) extra memory).
///
/// Thresholds and their measured justification (300–3000 simulated series per case, and the
/// real cases of the project's test collection; `DiagnosticsTests` checks the no-false-alarm
/// cases):
/// - collinear: |corr| ≥ 0.9999 (`collinearCorrelation`). Independent columns of 2000 rows
///   reach |corr| ≈ 0.1; the real cases stay below 0.64.
/// - deterministic: unexplained variance ≤ 1e-8 of the variance (`deterministicResidualRatio`).
///   Noise-free toggles, row indices and sines give ≈ 1e-30; the real noisy columns ≥ 0.18.
/// - trend: R² of a straight line in time ≥ 0.5 (`trendRSquared`).
/// - periodic: an autocorrelation peak ≥ 0.3 beyond the max lag that rises ≥ 0.3 above the
///   dip before it (`cycle`): white noise, AR(1) φ = 0.9 and random walks of 2,000 rows never
///   (`DiagnosticsTests`).
/// - unit root: ADF t > the 10% critical value (≈ −2.57), lags by BIC: random walks flagged in
///   89% of series, stationary series of 2000 rows never (AR(1) φ = 0.9 gives t ≈ −8, φ = 0.98
///   t ≤ −3.1), AR(1) φ = 0.9 of only 200 rows in 4%.
/// - level shift between domains: gap of domain means > 1 pooled within-domain standard
///   deviation (`betweenDomainShift`).
/// - level shift inside a series: see `levelJumps`; Z ≥ 6 and ≥ 1 within-window standard
///   deviation (`jumpZ`, `jumpWithinSD`).
public enum DataDiagnostics {
    /// One domain's values for the checks: `values` is [rows, p] row-major Double, NaN = missing cell.
    public struct DomainValues: Sendable {
        public let name: String
        public let rows: Int
        public let values: [Double]

        public init(name: String, rows: Int, values: [Double]) {
            precondition(rows >= 0 && (rows == 0 ? values.isEmpty : values.count % rows == 0),
                         "DomainValues: \(values.count) values for \(rows) rows")
            self.name = name
            self.rows = rows
            self.values = values
        }
    }

    // MARK: - Thresholds

    /// |Pearson correlation| at or above which two columns are reported as collinear.
    public static let collinearCorrelation = 0.9999
    /// Fewest rows with both cells finite for a correlation to be judged.
    public static let collinearMinRows = 10
    /// Collinear pairs listed one by one; the rest are counted in one `.note`.
    public static let collinearPairsListed = 100
    /// Share of a column's variance its own past may leave unexplained and still count as
    /// noise-free (deterministic).
    public static let deterministicResidualRatio = 1e-8
    /// R² of x on time (a straight line) at or above which a trend is reported.
    public static let trendRSquared = 0.5
    /// Gap between the largest and smallest domain mean, in pooled within-domain standard
    /// deviations, above which a between-domain level shift is reported.
    public static let betweenDomainShift = 1.0
    /// Domains shorter than this (observed rows of a variable) are left out of the
    /// between-domain comparison: the mean of 8 autocorrelated rows says little about a level.
    public static let minimumRowsForDomainMean = 30
    /// Rows on each side of a candidate jump (fewer for short series: rows / 8, at least 10).
    public static let jumpWindow = 50
    /// Robust z-score of a jump's mean difference (against all windows of the same series).
    public static let jumpZ = 6.0
    /// Mean difference of a jump in within-window standard deviations.
    public static let jumpWithinSD = 1.0
    /// Jumps reported per column and domain.
    static let jumpsListed = 5
    /// A column is constant in a domain when its standard deviation ≤ this × max|x|.
    static let constantRelativeSD = 1e-9
    /// A regressor whose variance left after the earlier regressors is ≤ this share of its
    /// own is redundant and skipped (an exact linear function of the others).
    static let redundantRegressor = 1e-10

    // MARK: - All checks

    /// All checks below, in a fixed order, for `variables` (p names) over `domains` (same p in
    /// each): collinear pairs, deterministic columns, trends, unit roots, level shifts between
    /// domains, level jumps inside series. A column flagged deterministic gets no other
    /// per-column warning. Where a column shows both a trend and a suspected unit root in a
    /// domain, the augmented Dickey–Fuller regression with constant *and* trend decides
    /// (MacKinnon 2010 10% critical value ≈ −3.13): rejecting the unit root keeps the trend
    /// (suggest --detrend), otherwise the unit root stays and the trend warning is dropped
    /// (a random walk drifts, and 45% of 2000-row random walks have R² ≥ 0.5 on time). A domain
    /// where the column jumps to a new level is left out of the trend and unit-root verdicts:
    /// one jump halfway fits a line with R² ≈ 0.6 and biases the ADF test towards a unit root
    /// (Perron 1989, *Econometrica* 57:1361–1401); the jump warning says what to do.
    public static func run(domains: [DomainValues], variables: [String], maxLag: Int) -> [Diagnostic] {
        checkShapes(domains, variables)
        let correlations = correlationMatrix(domains, p: variables.count)   // shared by both collinearity checks
        var out = collinearPairs(correlations, variables: variables)
        out += linearCombinations(correlations, variables: variables)
        let found = analyse(domains, p: variables.count, maxLag: maxLag, parts: .all)
        let det = (0..<variables.count).map { isDeterministic(found[$0]) }
        out += deterministicMessages(found, domains, variables)
        var trendOut: [Diagnostic] = [], unitOut: [Diagnostic] = [], unitT: [String] = []
        for j in 0..<variables.count where !det[j] {
            // per domain: does the trend or the unit root explain it?
            var trendDomains: [Int] = [], unitDomains: [Int] = [], tested = 0
            for (d, f) in found[j].enumerated() where !f.summary.isConstant && f.jumps.isEmpty {
                let trend = (f.trendR2 ?? 0) >= trendRSquared
                guard let adf = f.adf else { if trend { trendDomains.append(d) }; continue }
                tested += 1
                var unit = adf.t > adf.critical
                if trend, unit, let ct = f.adfTrend { unit = ct.t > ct.critical }
                if unit { unitDomains.append(d) } else if trend { trendDomains.append(d) }
            }
            if tested > 0, 2 * unitDomains.count >= tested {
                unitOut.append(unitRootMessage(variables[j], found[j], unitDomains, tested, domains))
                let t = unitDomains.map { found[j][$0].adfTrend ?? found[j][$0].adf! }.max { $0.t < $1.t }!
                unitT.append("'\(variables[j])' (t = \(g3(t.t)) > \(g3(t.critical)))")
            } else if !trendDomains.isEmpty {
                trendOut.append(trendMessage(variables[j], found[j], trendDomains, domains))
            }
        }
        // many random walks at once: one warning naming them all, not one each
        if unitOut.count >= 3 {
            unitOut = [Diagnostic(kind: .unitRoot, columns: unitOut.flatMap(\.columns), message:
                "\(unitOut.count) variables look like random walks (unit root suspected; augmented Dickey–Fuller t above the 10% "
                + "critical value, MacKinnon 2010): " + unitT.joined(separator: ", ") + ". Their levels wander without returning "
                + "to a mean, so lagged correlations between them can be spurious; --difference models the changes x_t − x_{t−1} "
                + "instead (the graph is then about changes: the levels' self-loops disappear)")]
        }
        out += trendOut + unitOut
        out += cycleMessages(found, domains, variables, maxLag: maxLag, skip: det)
        out += betweenDomainMessages(found, domains, variables, skip: det)
        out += jumpMessages(found, domains, variables, skip: det)
        out += outliers(domains: domains, variables: variables)
        return out
    }

    // MARK: - Outliers

    /// Values this many robust standard deviations (1.4826 × the median absolute deviation)
    /// from their column's median, in one domain, are named: a sensor glitch, a fill value like
    /// −999 or a unit change. Beyond any Gaussian sample and rare in heavy-tailed ones:
    /// P(|t₃| > 100·1.4826·MAD) = 1.5·10⁻⁶ per value (0.8% of 5,000-row Student-t(3) series get
    /// a warning; at 50 robust SDs it was 6%, and a t₂ series of 5,000 rows 1.4 values).
    public static let outlierRobustSDs = 100.0

    /// A value shared by at least this share of a column's observed values in a domain is a
    /// point mass (a floor, a saturation level, zero rainfall, a count of 0): the median and the
    /// MAD are then taken over the other values, since a tie at the median makes the MAD
    /// measure the tie instead of the spread (a sensor clipped at its floor in half of its rows
    /// had MAD ≈ 0.001 against a spread of 1, and 1,381 of its 3,000 ordinary values were named
    /// as outliers, with advice to blank them). The point mass itself is still compared with the
    /// limit, so a fill value such as −999 in 15% of the rows is still named.
    public static let pointMassShare = 0.1

    /// A value repeated in at least `fillValueShare` of a column's values (and at least 5 times)
    /// that lies more than this many robust standard deviations from the median of the other
    /// values is named as a likely fill value, below the 100 of `outlierRobustSDs`: a −99 code
    /// in 30% of a humidity column (mean 60, sd 10) sat 9 robust SDs away, a −999 in a pressure
    /// column in Pa 91, and both cost the run a true edge without a warning. Heavy tails do not
    /// repeat one exact value, and floors, saturation levels and zeros of counts or rainfall lie
    /// within a few robust SDs of the rest.
    public static let fillValueRobustSDs = 8.0
    public static let fillValueShare = 0.01

    /// One `.outlier` per column with values beyond `outlierRobustSDs` robust standard
    /// deviations of the median in some domain (domains with at least
    /// `minimumRowsForDomainMean` observed values and a non-zero MAD), naming up to 3 of them
    /// with their 0-based data rows and values. The median and MAD leave out a point mass
    /// (`pointMassShare`).
    public static func outliers(domains: [DomainValues], variables: [String]) -> [Diagnostic] {
        checkShapes(domains, variables)
        let p = variables.count
        var out: [Diagnostic] = []
        for j in 0..<p {
            var found: [(domain: Int, row: Int, value: Double)] = []
            var fills: [(value: Double, count: Int, z: Double)] = []   // fill codes within the 100-SD limit
            for (d, dom) in domains.enumerated() {
                var column: [Double] = []
                column.reserveCapacity(dom.rows)
                for t in 0..<dom.rows where dom.values[t * p + j].isFinite { column.append(dom.values[t * p + j]) }
                guard column.count >= minimumRowsForDomainMean else { continue }
                let observed = column.count
                let mass = pointMass(column)
                if let mass {
                    column.removeAll { $0 == mass }
                    guard column.count >= minimumRowsForDomainMean else { continue }
                }
                let med = median(column)
                let mad = median(column.map { abs($0 - med) })
                guard mad > 0 else { continue }
                let limit = outlierRobustSDs * 1.4826 * mad
                // a repeated value far from the rest (a fill code) is named at the lower bar
                var fill: Double? = nil
                if let m = mass.map({ (value: $0, count: observed - column.count) }) ?? mode(column),
                   m.count >= max(5, Int((fillValueShare * Double(observed)).rounded(.up))),
                   abs(m.value - med) > fillValueRobustSDs * 1.4826 * mad {
                    fill = m.value
                    if abs(m.value - med) <= limit { fills.append((m.value, m.count, abs(m.value - med) / (1.4826 * mad))) }
                }
                for t in 0..<dom.rows {
                    let v = dom.values[t * p + j]
                    if v.isFinite && (abs(v - med) > limit || v == fill) { found.append((d, t, v)) }
                }
            }
            guard !found.isEmpty else { continue }
            let fillValues = Set(fills.map(\.value))
            let extreme = found.filter { !fillValues.contains($0.value) }
            let named = extreme.prefix(3).map { f in
                "row \(f.row) = \(g3(f.value))" + (domains.count > 1 ? " in '\(domains[f.domain].name)'" : "")
            }.joined(separator: ", ")
            var parts: [String] = []
            if !extreme.isEmpty {
                parts.append("\(extreme.count) value\(extreme.count == 1 ? "" : "s") more than \(g3(outlierRobustSDs)) robust standard "
                    + "deviations (1.4826 × median absolute deviation) from the median (\(named)\(extreme.count > 3 ? ", …" : "")"
                    + "; data rows, 0-based)")
            }
            for f in fills {
                let rows = found.filter { $0.value == f.value }.prefix(3).map { "\($0.row)" }.joined(separator: ", ")
                parts.append("the value \(g3(f.value)) in \(f.count) rows (\(rows), …), \(g3(f.z)) robust standard deviations from the "
                    + "median of the other values")
            }
            out.append(Diagnostic(kind: .outlier, columns: [variables[j]], message:
                "'\(variables[j])': " + parts.joined(separator: "; ") + ": a sensor glitch, a fill value (−99, −999, 9999) or a unit change? A few such values can "
                + "dominate the fit; if they are errors, blank them (an empty cell) and pass --missing drop-windows; if they are "
                + "real (very heavy tails), this needs no action"))
        }
        return out
    }

    /// The most frequent value of `x` when it makes up at least `pointMassShare` of it, else nil.
    static func pointMass(_ x: [Double]) -> Double? {
        guard let m = mode(x) else { return nil }
        return Double(m.count) >= pointMassShare * Double(x.count) ? m.value : nil
    }

    /// The most frequent value of `x` and its count (the smallest such value on a tie); nil when empty.
    static func mode(_ x: [Double]) -> (value: Double, count: Int)? {
        guard !x.isEmpty else { return nil }
        let s = x.sorted()
        var best = s[0], bestCount = 0, k = 0
        while k < s.count {
            var e = k
            while e < s.count && s[e] == s[k] { e += 1 }
            if e - k > bestCount { best = s[k]; bestCount = e - k }
            k = e
        }
        return (best, bestCount)
    }

    static func median(_ x: [Double]) -> Double {
        let s = x.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    // MARK: - Collinearity

    /// Pairs of columns with |Pearson correlation| ≥ 0.9999 (`collinearCorrelation`) over the
    /// rows where both cells are finite, pooled over domains after centring each column in each
    /// domain on its own mean; at least 10 such rows. One `.collinear` per pair (i < j), naming
    /// both columns and the correlation and suggesting to drop the later column; beyond 100
    /// pairs, one `.note` counts the rest. Columns constant in every domain are skipped.
    public static func collinearPairs(domains: [DomainValues], variables: [String]) -> [Diagnostic] {
        checkShapes(domains, variables)
        return collinearPairs(correlationMatrix(domains, p: variables.count), variables: variables)
    }

    /// `collinearPairs` on `correlationMatrix`'s result.
    static func collinearPairs(_ correlations: (r: [Double], n: [Double]), variables: [String]) -> [Diagnostic] {
        let p = variables.count, (r, n) = correlations
        var out: [Diagnostic] = [], extra = 0
        for i in 0..<p {
            for j in (i + 1)..<max(i + 1, p) {
                let c = r[i * p + j]
                guard c.isFinite, abs(c) >= collinearCorrelation else { continue }
                if out.count >= collinearPairsListed { extra += 1; continue }
                let a = variables[i], b = variables[j]
                out.append(Diagnostic(kind: .collinear, columns: [a, b], message:
                    "'\(a)' and '\(b)' are collinear (corr \(String(format: "%.5f", c)) over \(Int(n[i * p + j])) rows, "
                    + "threshold |corr| ≥ \(collinearCorrelation)): one is a linear function of the other, so the model "
                    + "cannot tell their edges apart; drop one with --drop-columns \(b)"))
            }
        }
        if extra > 0 {
            out.append(Diagnostic(kind: .note, columns: [], message:
                "\(extra) more collinear pairs are not listed (\(out.count + extra) in all)"))
        }
        return out
    }

    /// R² from which a column counts as (nearly) a linear combination of others
    /// (`linearCombinations`). A new-user check: a total with a little noise (R² 0.999–0.9995)
    /// still hid a true edge of one of its parts, and dropping it brought the edge back; parts and
    /// total rounded separately reach R² ≈ 0.997. The benchmark sets' largest R² of a column on
    /// the others is 0.906 (finance, a common factor); fMRI ≤ 0.69, the rest ≤ 0.32.
    public static let combinationRSquared = 0.995
    /// The combination check needs at least this many rows per column (rows ≥ 10·p): with
    /// n rows the R² of a column on k unrelated others is about k / n.
    public static let combinationRowsPerColumn = 10
    /// Above this many columns the check (O(p³)) is skipped.
    public static let combinationMaxColumns = 2000
    /// Combinations named one by one; the rest are counted in one note.
    public static let combinationsListed = 20

    /// Columns that are (almost) an exact linear combination of two or more earlier columns,
    /// e.g. a total stored next to its parts, which the pairwise check cannot see: no single
    /// pair is collinear. Measured on a new-user case (`total = x0 + x1` next to x0, x1 and an
    /// effect x0 → x3): the run missed x0 → x3, which a VAR Granger test finds with q ≈ 1e-173,
    /// because the model can read x0's past from total's and x1's.
    ///
    /// Method: a Cholesky factorisation of the pooled correlation matrix (`correlationMatrix`)
    /// over the columns in their order. Column k's squared partial norm 1 − yᵀy (y = L⁻¹·r_k
    /// over the columns kept so far) is 1 − R² of its least-squares fit on those columns; at
    /// R² ≥ `combinationRSquared` the column is named with its standardized coefficients
    /// β = L⁻ᵀ·y (at most 6, largest first) and not kept. A column explained by a single earlier
    /// column is left to `collinearPairs`. Skipped with fewer than `combinationRowsPerColumn`·p
    /// rows in some pair, more than `combinationMaxColumns` columns, or a correlation matrix
    /// that is not positive semi-definite (possible when pairs have different missing cells).
    public static func linearCombinations(domains: [DomainValues], variables: [String]) -> [Diagnostic] {
        checkShapes(domains, variables)
        guard variables.count >= 3, variables.count <= combinationMaxColumns else { return [] }
        return linearCombinations(correlationMatrix(domains, p: variables.count), variables: variables)
    }

    /// `linearCombinations` on `correlationMatrix`'s result.
    static func linearCombinations(_ correlations: (r: [Double], n: [Double]), variables: [String]) -> [Diagnostic] {
        let p = variables.count, (r, n) = correlations
        guard p >= 3, p <= combinationMaxColumns else { return [] }
        let usable = (0..<p).filter { r[$0 * p + $0].isFinite }
        var minRows = Double.infinity
        for i in usable { for j in usable where j > i { minRows = min(minRows, r[i * p + j].isFinite ? n[i * p + j] : 0) } }
        guard usable.count >= 3, minRows >= Double(combinationRowsPerColumn * p) else { return [] }
        var kept: [Int] = [], factor: [[Double]] = []     // rows of the lower Cholesky factor of R[kept, kept]
        var out: [Diagnostic] = [], extra = 0
        for k in usable {
            var y = [Double](repeating: 0, count: kept.count)
            for a in kept.indices {
                var v = r[kept[a] * p + k]
                for b in 0..<a { v -= factor[a][b] * y[b] }
                y[a] = v / factor[a][a]
            }
            let residual = 1 - y.reduce(0) { $0 + $1 * $1 }
            guard residual > -1e-6 else { return [] }      // not positive semi-definite: no verdict
            if residual <= 1 - combinationRSquared {
                let single = kept.contains { abs(r[$0 * p + k]) >= collinearCorrelation }
                if kept.count >= 2 && !single {
                    if out.count >= combinationsListed { extra += 1; continue }
                    var beta = y
                    for a in stride(from: kept.count - 1, through: 0, by: -1) {
                        var v = beta[a]
                        for b in (a + 1)..<kept.count { v -= factor[b][a] * beta[b] }
                        beta[a] = v / factor[a][a]
                    }
                    let terms = kept.indices.sorted { abs(beta[$0]) > abs(beta[$1]) }.prefix(6)
                        .filter { abs(beta[$0]) >= 1e-3 }
                    let shown = terms.enumerated().map { q, a in
                        (q == 0 ? (beta[a] < 0 ? "−" : "") : (beta[a] < 0 ? " − " : " + "))
                            + String(format: "%.3g", abs(beta[a])) + "·'\(variables[kept[a]])'"
                    }.joined()
                    let more = kept.indices.filter { abs(beta[$0]) >= 1e-3 }.count - terms.count
                    let name = variables[k]
                    out.append(Diagnostic(kind: .collinear, columns: [name] + terms.map { variables[kept[$0]] }, message:
                        "'\(name)' is \(residual <= 1e-6 ? "" : "nearly ")a linear combination of other columns: \(shown)\(more > 0 ? " and \(more) more" : "") "
                        + "explains it with R² \(String(format: "%.6f", 1 - max(0, residual))) (threshold \(combinationRSquared); "
                        + "coefficients in standard deviations, over \(Int(minRows)) rows or more). Its past carries the information "
                        + "of theirs, so the model can credit their edges to it or lose them; drop it with --drop-columns \(name) "
                        + "unless it is a variable you study"))
                }
                continue
            }
            kept.append(k)
            factor.append(y + [max(residual, 0).squareRoot()])
        }
        if extra > 0 {
            out.append(Diagnostic(kind: .note, columns: [], message: "\(extra) more linear combinations are not listed"))
        }
        return out
    }

    /// [p, p] row-major Pearson correlations and [p, p] counts of rows with both cells finite,
    /// pooled over domains after per-domain centring (NaN where a column is constant in every
    /// domain, has no variance over the common rows, or they are fewer than `collinearMinRows`).
    ///
    /// With x centred per domain on the mean of its finite cells and 0 in missing cells, m the
    /// 0/1 mask of finite cells, and sums over all rows: n = Σ mᵢmⱼ, Sᵢ = Σ xᵢmⱼ, Qᵢ = Σ xᵢ²mⱼ,
    /// C = Σ xᵢxⱼ; cov = C − SᵢSⱼ/n, varᵢ = Qᵢ − Sᵢ²/n, corr = cov / √(varᵢ varⱼ).
    /// C is one `cblas_dsyrk` per block of rows. S, Q and n differ from column sums only on the
    /// rows with a missing cell and only for the columns J that have one, so they take one
    /// `cblas_dgemm` ([x x²]ᵀ m_J) and one `cblas_dsyrk` (m_Jᵀ m_J) over those rows alone: no
    /// extra cost without missing cells, three times the cost when every row and column has one.
    static func correlationMatrix(_ domains: [DomainValues], p: Int) -> (r: [Double], n: [Double]) {
        guard p > 0 else { return ([], []) }
        // per-domain means (two passes, as in `summary`, so "constant" means the same as in the
        // per-column checks) and the columns with a missing cell
        var means = [[Double]](), varies = [Bool](repeating: false, count: p)
        var hasMissing = [Bool](repeating: false, count: p)
        for dom in domains {
            var sum = [Double](repeating: 0, count: p), cnt = [Int](repeating: 0, count: p)
            var maxAbs = [Double](repeating: 0, count: p), ss = [Double](repeating: 0, count: p)
            dom.values.withUnsafeBufferPointer { v in
                for t in 0..<dom.rows {
                    let row = v.baseAddress! + t * p
                    for j in 0..<p {
                        let x = row[j]
                        if x.isFinite { sum[j] += x; cnt[j] += 1; maxAbs[j] = max(maxAbs[j], abs(x)) } else { hasMissing[j] = true }
                    }
                }
            }
            let mu = (0..<p).map { cnt[$0] > 0 ? sum[$0] / Double(cnt[$0]) : 0 }
            dom.values.withUnsafeBufferPointer { v in
                for t in 0..<dom.rows {
                    let row = v.baseAddress! + t * p
                    for j in 0..<p where row[j].isFinite { let d = row[j] - mu[j]; ss[j] += d * d }
                }
            }
            for j in 0..<p where !ColumnSummary(count: cnt[j], mean: mu[j], sumSquares: ss[j], maxAbs: maxAbs[j]).isConstant {
                varies[j] = true
            }
            means.append(mu)
        }
        let J = (0..<p).filter { hasMissing[$0] }, q = J.count
        var slot = [Int](repeating: -1, count: p)
        for (k, j) in J.enumerated() { slot[j] = k }

        let blockRows = max(16, min(4096, (1 << 20) / p))
        var c = [Double](repeating: 0, count: p * p)
        // complete rows: Σ x, Σ x², count; rows with a missing cell: Σ x, Σ x², Σ m per column,
        // [x x²]ᵀ m_J as [2p, q] and m_Jᵀ m_J as [q, q]
        var sumC = [Double](repeating: 0, count: p), sqC = sumC, sumI = sumC, sqI = sumC, cntI = sumC
        var countC = 0.0
        var sq = [Double](repeating: 0, count: 2 * p * q), nJ = [Double](repeating: 0, count: q * q)
        let xb = UnsafeMutablePointer<Double>.allocate(capacity: blockRows * p)
        let ab = UnsafeMutablePointer<Double>.allocate(capacity: q > 0 ? blockRows * 2 * p : 1)
        let mb = UnsafeMutablePointer<Double>.allocate(capacity: max(1, blockRows * q))
        defer { xb.deallocate(); ab.deallocate(); mb.deallocate() }
        for (d, dom) in domains.enumerated() {
            let mu = means[d]
            dom.values.withUnsafeBufferPointer { v in
                var t0 = 0
                while t0 < dom.rows {
                    let b = min(blockRows, dom.rows - t0)
                    var inc = 0                                   // rows with a missing cell in this block
                    for t in 0..<b {
                        let row = v.baseAddress! + (t0 + t) * p, out = xb + t * p
                        var finite = 0
                        for j in 0..<p {
                            let x = row[j]
                            if x.isFinite { out[j] = x - mu[j]; finite += 1 } else { out[j] = 0 }
                        }
                        if finite == p {
                            countC += 1
                            for j in 0..<p { let y = out[j]; sumC[j] += y; sqC[j] += y * y }
                        } else if finite > 0 {
                            let a = ab + inc * 2 * p, m = mb + inc * q
                            for j in 0..<p {
                                let y = out[j], f: Double = row[j].isFinite ? 1 : 0
                                a[j] = y; a[p + j] = y * y
                                sumI[j] += y; sqI[j] += y * y; cntI[j] += f
                            }
                            for k in 0..<q { m[k] = row[J[k]].isFinite ? 1 : 0 }
                            inc += 1
                        }
                    }
                    let P = Int32(p)
                    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, P, Int32(b), 1, xb, P, 1, &c, P)
                    if inc > 0, q > 0 {
                        let Q = Int32(q)
                        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 2 * P, Q, Int32(inc), 1, ab, 2 * P, mb, Q, 1, &sq, Q)
                        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Q, Int32(inc), 1, mb, Q, 1, &nJ, Q)
                    }
                    t0 += b
                }
            }
        }
        // S_i(j), Q_i(j), n_ij for the pair (i, j)
        func s(_ i: Int, _ j: Int) -> Double { sumC[i] + (slot[j] >= 0 ? sq[i * q + slot[j]] : sumI[i]) }
        func qq(_ i: Int, _ j: Int) -> Double { sqC[i] + (slot[j] >= 0 ? sq[(p + i) * q + slot[j]] : sqI[i]) }
        func count(_ i: Int, _ j: Int) -> Double {
            let a = slot[i], b = slot[j]
            if a >= 0, b >= 0 { return countC + nJ[min(a, b) * q + max(a, b)] }
            return countC + (b >= 0 ? cntI[j] : cntI[i])
        }
        var r = [Double](repeating: .nan, count: p * p)
        var counts = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            for j in i..<p {
                let n = count(i, j)
                counts[i * p + j] = n; counts[j * p + i] = n
                guard varies[i], varies[j], n >= Double(collinearMinRows) else { continue }
                let si = s(i, j), sj = s(j, i)
                let cov = c[i * p + j] - si * sj / n
                let vi = qq(i, j) - si * si / n, vj = qq(j, i) - sj * sj / n
                guard vi > 0, vj > 0 else { continue }
                let v = max(-1, min(1, cov / (vi * vj).squareRoot()))
                r[i * p + j] = v; r[j * p + i] = v
            }
        }
        return (r, counts)
    }

    // MARK: - Per-column checks

    /// Columns that their own past predicts exactly: the least-squares fit
    /// x_t = c + Σ_{k=1..L} a_k x_{t−k}, L = max(maxLag, 2) (a sine needs two lags), over the
    /// rows of a domain where x_t … x_{t−L} are all finite, leaves a residual variance
    /// ≤ 1e-8 × the variance of x_t (`deterministicResidualRatio`). Catches a 0/1 toggle, a row
    /// index 0, 5000, 10000, …, a noise-free sine (all ≈ 1e-30), and any noise-free linear
    /// recurrence of order ≤ L. One `.deterministic` per column (in any domain where the column
    /// is not constant), suggesting --drop-columns; a column with one constant step between
    /// rows is called a row index or time stamp.
    public static func deterministicColumns(domains: [DomainValues], variables: [String], maxLag: Int) -> [Diagnostic] {
        checkShapes(domains, variables)
        let found = analyse(domains, p: variables.count, maxLag: maxLag, parts: [.deterministic])
        return deterministicMessages(found, domains, variables)
    }

    /// Columns with a linear trend: in some domain a straight line in the row number explains
    /// ≥ 50% of the variance (R² ≥ 0.5, `trendRSquared`; rows with a missing cell skipped).
    /// One `.trend` per column, suggesting --detrend. (`run` hands a column that also looks
    /// like a random walk to the unit-root check instead.)
    public static func trends(domains: [DomainValues], variables: [String]) -> [Diagnostic] {
        checkShapes(domains, variables)
        let found = analyse(domains, p: variables.count, maxLag: 1, parts: [.trend])
        var out: [Diagnostic] = []
        for (j, f) in found.enumerated() {
            let ds = f.indices.filter { !f[$0].summary.isConstant && (f[$0].trendR2 ?? 0) >= trendRSquared }
            if !ds.isEmpty { out.append(trendMessage(variables[j], f, ds, domains)) }
        }
        return out
    }

    /// Columns that look like a random walk. Augmented Dickey–Fuller regression with a
    /// constant (Dickey & Fuller 1979, *JASA* 74:427–431; Said & Dickey 1984):
    /// Δx_t = α + γ x_{t−1} + Σ_{k=1..K} β_k Δx_{t−k} + e_t, per domain over the rows where
    /// x_t … x_{t−K−1} are finite. K is chosen by BIC among 0…min(maxLag, ⌊12·(rows/100)^{1/4}⌋)
    /// (Schwert 1989; see `adfLagsByBIC`). "Unit root suspected" when the t-statistic of γ
    /// exceeds the 10% critical value of MacKinnon (2010, *Critical values for cointegration
    /// tests*, Queen's Economics Dept. WP 1227; response surface for N = 1, constant, no trend):
    /// −2.56677 − 1.5384/T − 2.809/T², T the regression rows (−2.567 asymptotically, −2.583 at
    /// T = 100). Reported when suspected in at least half of the domains tested, suggesting
    /// --difference; never for a column flagged deterministic. Measured (project RNG, 2000
    /// rows, maxLag 5): random walks 89.4% flagged (447 of 500); white noise, AR(1) with φ = 0.9
    /// and the stationary VAR of the tests never (0 of 10,000 and 3,000 columns). Short series
    /// leave the test less power: AR(1) φ = 0.9 with 200 rows is flagged in 4.1% (122 of 3000).
    /// Domains with fewer than `minimumRowsForDomainMean` observed values are not tested.
    public static func unitRoots(domains: [DomainValues], variables: [String], maxLag: Int) -> [Diagnostic] {
        checkShapes(domains, variables)
        let found = analyse(domains, p: variables.count, maxLag: maxLag, parts: [.deterministic, .unitRoot])
        var out: [Diagnostic] = []
        // a domain with fewer than `minimumRowsForDomainMean` observed values is not tested: a
        // 20-row stretch of white noise can look like a walk (a trial's did)
        let testable = { (x: DomainFindings) in !x.summary.isConstant && x.adf != nil && x.summary.count >= minimumRowsForDomainMean }
        for (j, f) in found.enumerated() where !isDeterministic(f) {
            let tested = f.filter(testable).count
            let ds = f.indices.filter { d in
                guard testable(f[d]), let a = f[d].adf else { return false }
                return a.t > a.critical
            }
            if tested > 0, 2 * ds.count >= tested {
                out.append(unitRootMessage(variables[j], f, ds, tested, domains))
            }
        }
        return out
    }

    /// Level shifts, (a) then (b):
    ///
    /// (a) between domains (only with ≥ 2 domains): per variable, the largest and smallest
    /// domain means differ by more than 1 pooled within-domain standard deviation
    /// (√(Σ_d Σ_t (x − mean_d)² / Σ_d (n_d − 1)), `betweenDomainShift`). One `.levelShift` per
    /// variable naming those two domains; each domain is standardised on its own, so the shift
    /// is absorbed.
    ///
    /// (b) inside one series: see `levelJumps`. One `.levelShift` per column and domain, naming
    /// the 0-based data rows where the new level starts; suggests a manifest with one domain per
    /// segment. Measured: a one-step rule (a step > 10 × median |Δx|) misses both seams of a
    /// real concatenation of three sessions (their largest steps are 8.0 and 4.3 × median |Δx|),
    /// while white noise alone reaches 5.8 (2000 rows) to 7.3 (100k rows); the window-mean rule
    /// finds both seams at the exact rows (Z 9.5 and 8.5) and stays silent on each session.
    public static func levelShifts(domains: [DomainValues], variables: [String]) -> [Diagnostic] {
        checkShapes(domains, variables)
        let found = analyse(domains, p: variables.count, maxLag: 1, parts: [.jumps])
        let none = [Bool](repeating: false, count: variables.count)
        return betweenDomainMessages(found, domains, variables, skip: none)
            + jumpMessages(found, domains, variables, skip: none)
    }

    // MARK: - Kernels (one column of one domain; non-finite cells are missing)

    /// Count, mean, Σ(x − mean)² and max |x| of the finite cells (two passes).
    struct ColumnSummary {
        var count = 0, mean = 0.0, sumSquares = 0.0, maxAbs = 0.0
        /// Population variance.
        var variance: Double { count > 0 ? sumSquares / Double(count) : 0 }
        var isConstant: Bool { count < 2 || variance.squareRoot() <= constantRelativeSD * maxAbs }
    }

    static func summary(_ x: UnsafeBufferPointer<Double>) -> ColumnSummary {
        var s = ColumnSummary(), sum = 0.0
        for v in x where v.isFinite { s.count += 1; sum += v; s.maxAbs = max(s.maxAbs, abs(v)) }
        guard s.count > 0 else { return s }
        s.mean = sum / Double(s.count)
        for v in x where v.isFinite { let d = v - s.mean; s.sumSquares += d * d }
        return s
    }

    /// The common difference when every step between consecutive finite cells is the same
    /// non-zero number (to 1e-9 relative): a row index or a regular time stamp.
    static func constantStep(_ x: UnsafeBufferPointer<Double>) -> Double? {
        var step: Double? = nil, steps = 0
        for t in 1..<max(1, x.count) where x[t].isFinite && x[t - 1].isFinite {
            let d = x[t] - x[t - 1]
            if let s = step {
                guard abs(d - s) <= 1e-9 * abs(s) else { return nil }
            } else {
                guard d != 0 else { return nil }
                step = d
            }
            steps += 1
        }
        return steps >= 2 ? step : nil
    }

    /// Cholesky factor of the m×m symmetric Gram matrix `g` (row-major, of centred columns)
    /// after scaling it to unit diagonal. Variables 0..<m−1 are regressors, m−1 is the
    /// response. A regressor whose pivot (the share of its variance the earlier kept regressors
    /// leave unexplained) is ≤ `redundantRegressor` is skipped: it is a linear function of
    /// them and changes no fit. Returns the lower factor (scaled units) and which regressors
    /// were kept; `l[(m−1)·m + (m−1)]²` is the share of the response's variance the kept
    /// regressors leave unexplained, and `l[(m−1)·m + k] / l[(m−1)·m + m−1]` times √df is the
    /// t-statistic of the last kept regressor k. Nil when the response has no variance.
    static func scaledCholesky(_ g: [Double], m: Int) -> (l: [Double], kept: [Bool])? {
        var scale = [Double](repeating: 0, count: m)
        for i in 0..<m { scale[i] = g[i * m + i] > 0 ? 1 / g[i * m + i].squareRoot() : 0 }
        guard scale[m - 1] > 0 else { return nil }
        var l = [Double](repeating: 0, count: m * m), kept = [Bool](repeating: false, count: m)
        for j in 0..<m {
            if scale[j] == 0 { continue }
            var dj = g[j * m + j] * scale[j] * scale[j]
            for k in 0..<j where kept[k] { dj -= l[j * m + k] * l[j * m + k] }
            if j < m - 1, dj <= redundantRegressor { continue }
            let ljj = max(dj, 0).squareRoot()
            kept[j] = true
            l[j * m + j] = ljj
            guard ljj > 0 else { continue }
            for i in (j + 1)..<max(j + 1, m) where scale[i] > 0 {
                var v = g[i * m + j] * scale[i] * scale[j]
                for k in 0..<j where kept[k] { v -= l[i * m + k] * l[j * m + k] }
                l[i * m + j] = v / ljj
            }
        }
        return (l, kept)
    }

    /// The centred Gram matrix Σ (z − z̄)(z − z̄)ᵀ ([m, m] row-major) of m variables over the
    /// rows t in 0..<rows for which `fill(t, z)` writes the row's m values into z and returns
    /// true, and the number of those rows. Values are shifted by `shift` (per variable) first,
    /// so that the centring correction cancels little; the products are one `cblas_dsyrk`.
    static func centredGram(m: Int, rows: Int, shift: [Double], _ fill: (Int, UnsafeMutablePointer<Double>) -> Bool) -> (g: [Double], n: Int) {
        let z = UnsafeMutablePointer<Double>.allocate(capacity: max(rows, 1) * m)
        defer { z.deallocate() }
        var n = 0, sums = [Double](repeating: 0, count: m)
        for t in 0..<rows {
            let row = z + n * m
            guard fill(t, row) else { continue }
            for a in 0..<m { let v = row[a] - shift[a]; row[a] = v; sums[a] += v }
            n += 1
        }
        var g = [Double](repeating: 0, count: m * m)
        guard n > 0 else { return (g, 0) }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(m), Int32(n), 1, z, Int32(m), 0, &g, Int32(m))
        for a in 0..<m {
            for b in a..<m {
                let v = g[a * m + b] - sums[a] * sums[b] / Double(n)
                g[a * m + b] = v; g[b * m + a] = v
            }
        }
        return (g, n)
    }

    /// Share of the variance of x_t that the least-squares fit x_t = c + Σ_{k=1..L} a_k x_{t−k}
    /// leaves unexplained, over the rows where x_t … x_{t−L} are finite: RSS / Σ(x_t − x̄)²,
    /// measured against the smallest of the variances of x, Δx and Δ²x (where that is not 0).
    /// Why: a twice-integrated random series (a position from noisy accelerations) has a level
    /// variance that grows like n³, so its innovations are a share of about 1e-10 of it on
    /// 3,000 rows and it was called noise-free; against the variance of Δ²x (the innovations
    /// themselves) its share is about 1. Noise-free series stay far below the bar either way
    /// (a sine ≈ 1e-27; a counter's Δ²x is exactly 0, so its plain share is used).
    /// Nil with fewer than 2(L+1) + 2 such rows or when x_t is constant over them.
    static func ownPastResidualRatio(_ x: UnsafeBufferPointer<Double>, lags L: Int) -> Double? {
        guard let plain = ownPastPlainRatio(x, lags: L) else { return nil }
        func variance(_ order: Int) -> Double {   // of x, Δx or Δ²x
            var sum = 0.0, sq = 0.0, n = 0.0
            for t in order..<max(order, x.count) {
                let d: Double
                switch order {
                case 0: d = x[t]
                case 1: d = x[t] - x[t - 1]
                default: d = x[t] - 2 * x[t - 1] + x[t - 2]
                }
                guard d.isFinite else { continue }
                sum += d; sq += d * d; n += 1
            }
            return n > 1 ? max(0, sq / n - (sum / n) * (sum / n)) : 0
        }
        let level = variance(0), smallest = min(level, variance(1), variance(2))
        guard level > 0, smallest > 1e-12 * level else { return plain }
        return plain * level / smallest
    }

    static func ownPastPlainRatio(_ x: UnsafeBufferPointer<Double>, lags L: Int) -> Double? {
        let m = L + 1, mean = summary(x).mean
        // variables: x_{t−1}, …, x_{t−L}, then x_t (the response last)
        let (g, n) = centredGram(m: m, rows: x.count, shift: [Double](repeating: mean, count: m)) { t, z in
            guard t >= L else { return false }
            for k in 0...L where !x[t - k].isFinite { return false }
            for k in 1...L { z[k - 1] = x[t - k] }
            z[L] = x[t]
            return true
        }
        guard n >= 2 * m + 2, let f = scaledCholesky(g, m: m) else { return nil }
        let r = f.l[(m - 1) * m + (m - 1)]
        return r * r
    }

    /// The augmented Dickey–Fuller t-statistic of γ in
    /// Δx_t = α [+ δ·t] + γ x_{t−1} + Σ_{k=1..K} β_k Δx_{t−k} + e_t (least squares over the rows
    /// where x_t … x_{t−K−1} are finite; t is the row number), the number T of those rows and
    /// the MacKinnon (2010) 10% critical value for T. Nil with fewer than 10 residual degrees of
    /// freedom, when x_{t−1} is a linear function of the other regressors, or when the fit is
    /// exact (a noise-free series has no test).
    static func adf(_ x: UnsafeBufferPointer<Double>, lags K: Int, trend: Bool) -> ADF? {
        let rows = x.count, mean = summary(x).mean
        let m = K + (trend ? 1 : 0) + 2          // regressors …, x_{t−1}, then Δx_t
        var shift = [Double](repeating: 0, count: m)
        shift[m - 2] = mean
        if trend { shift[K] = 0.5 }
        let scaleT = 1 / Double(max(rows, 1))
        let (g, n) = centredGram(m: m, rows: rows, shift: shift) { t, z in
            guard t >= K + 1 else { return false }
            for k in 0...(K + 1) where !x[t - k].isFinite { return false }
            for k in 0..<K { z[k] = x[t - 1 - k] - x[t - 2 - k] }
            if trend { z[K] = Double(t) * scaleT }
            z[m - 2] = x[t - 1]
            z[m - 1] = x[t] - x[t - 1]
            return true
        }
        guard n > 0, let f = scaledCholesky(g, m: m), f.kept[m - 2] else { return nil }
        let df = n - (f.kept.prefix(m - 1).filter { $0 }.count + 1)
        let ly = f.l[(m - 1) * m + (m - 1)], lg = f.l[(m - 1) * m + (m - 2)]
        guard df >= 10, ly * ly > 1e-14 else { return nil }
        return ADF(t: lg * Double(df).squareRoot() / ly, observations: n, lags: K,
                   critical: adfCritical10(observations: n, trend: trend))
    }

    /// One augmented Dickey–Fuller regression: the t-statistic of γ, the regression rows T,
    /// the lagged differences K and the 10% critical value for T.
    struct ADF { var t: Double; var observations: Int; var lags: Int; var critical: Double }

    /// MacKinnon (2010, N = 1) response surface for the 10% critical value of the ADF
    /// t-statistic with T observations: constant −2.56677 − 1.5384/T − 2.809/T²; constant and
    /// trend −3.12705 − 2.5856/T − 3.925/T² − 22.380/T³.
    static func adfCritical10(observations T: Int, trend: Bool) -> Double {
        let u = 1 / Double(T)
        return trend ? -3.12705 - 2.5856 * u - 3.925 * u * u - 22.380 * u * u * u
                     : -2.56677 - 1.5384 * u - 2.809 * u * u
    }

    /// Most lagged differences for the ADF regression on `rows` rows:
    /// min(maxLag, ⌊12·(rows/100)^¼⌋) (Schwert 1989, *J. Bus. Econ. Stat.* 7:147–159).
    static func adfMaxLags(rows: Int, maxLag: Int) -> Int {
        max(0, min(maxLag, Int(12 * pow(Double(rows) / 100, 0.25))))
    }

    /// The number K in 0...maxLags of lagged differences for the ADF regression with a
    /// constant that minimises BIC = T·ln(RSS_K / T) + (K + 2)·ln T (Schwarz 1978), all K
    /// fitted on the same T rows (those where x_t … x_{t−maxLags−1} are finite). One Cholesky
    /// factor with the regressors in the order x_{t−1}, Δx_{t−1}, …, Δx_{t−maxLags} gives every
    /// RSS_K. Measured: with K fixed at 5, AR(1) φ = 0.9 series of 200 rows were "unit root
    /// suspected" in 18% of cases; with BIC's K in 3.5%, random walks still in 89% (2000 rows
    /// and 200 rows alike).
    static func adfLagsByBIC(_ x: UnsafeBufferPointer<Double>, maxLags K: Int) -> Int {
        guard K > 0 else { return 0 }
        let m = K + 2, mean = summary(x).mean
        var shift = [Double](repeating: 0, count: m)
        shift[0] = mean
        let (g, n) = centredGram(m: m, rows: x.count, shift: shift) { t, z in
            guard t >= K + 1 else { return false }
            for k in 0...(K + 1) where !x[t - k].isFinite { return false }
            z[0] = x[t - 1]
            for k in 1...K { z[k] = x[t - k] - x[t - k - 1] }
            z[m - 1] = x[t] - x[t - 1]
            return true
        }
        guard n > m + 2, let f = scaledCholesky(g, m: m) else { return 0 }
        let logN = log(Double(n))
        var explained = 0.0, best = 0, bestBIC = Double.infinity
        for k in 0...K {
            let l = f.l[(m - 1) * m + k]
            explained += l * l                     // share of var(Δx_t) explained by regressors 0...k
            let share = 1 - explained
            guard share > 1e-300 else { return k }  // exact fit: no test either way
            let bic = Double(n) * log(share) + Double(k + 2) * logN
            if bic < bestBIC { bestBIC = bic; best = k }
        }
        return best
    }

    /// R² of the least-squares line x = a + b·t over the finite cells (t the row number);
    /// nil with fewer than 3 finite cells or no variance.
    static func trendRSquared(_ x: UnsafeBufferPointer<Double>) -> Double? {
        var n = 0, st = 0.0, sx = 0.0
        for t in 0..<x.count where x[t].isFinite { n += 1; st += Double(t); sx += x[t] }
        guard n >= 3 else { return nil }
        let mt = st / Double(n), mx = sx / Double(n)
        var stt = 0.0, sxx = 0.0, stx = 0.0
        for t in 0..<x.count where x[t].isFinite {
            let a = Double(t) - mt, b = x[t] - mx
            stt += a * a; sxx += b * b; stx += a * b
        }
        guard sxx > 0, stt > 0 else { return nil }
        return stx * stx / (stt * sxx)
    }

    /// One abrupt level change inside a series: the 0-based row where the new level starts,
    /// the means of the `window` finite cells before and after, the robust z-score and the
    /// difference in within-window standard deviations.
    struct Jump { var row: Int; var window: Int; var before: Double; var after: Double; var z: Double; var withinSD: Double }

    /// Level jumps inside one series. For each row t with w = min(50, finite rows / 8) rows
    /// on each side (w ≥ 10, each side at least w/2 finite), D_t = mean(x[t..<t+w]) −
    /// mean(x[t−w..<t]). A jump at t needs both
    /// - Z_t = |D_t| / (1.4826 · median_t |D_t|) ≥ 6 (`jumpZ`): D_t against the spread of all
    ///   window differences of the same series, which calibrates itself to the series'
    ///   persistence (D_t of a random walk depends only on its increments). Measured maxima of
    ///   Z over a series without a jump (white noise, AR(1) φ = 0.9 and 0.98, random walks):
    ///   99th percentiles 4.3–5.3 for 2000 to 100k rows; the largest of 3000 series 5.5–6.3 at
    ///   2000 rows, 6.4–7.2 (AR, random walk) at 200–400 rows. The real seams give 6.9–9.5.
    /// - |D_t| ≥ 1 pooled within-window standard deviation (`jumpWithinSD`): rejects single
    ///   outliers and short bursts, whose own spread dominates (heavy-tailed t₃ noise reaches
    ///   Z ≈ 100 from single outliers, but then stays below 1).
    /// With both: false jumps in 0–0.03% of 3000 series of 2000 rows (≤ 0.3% for random walks of
    /// 200–400 rows), 0 of 300 series of 20,000 rows; 1 column in 5000 of white noise with the
    /// project RNG. Jumps are taken in decreasing Z, each masking the 4w rows around it, at most
    /// 5; the row reported is the least-squares split of the 2w rows around the peak of Z.
    static func levelJumps(_ x: UnsafeBufferPointer<Double>) -> [Jump] {
        let n = x.count, s = summary(x)
        guard !s.isConstant else { return [] }
        let w = min(jumpWindow, s.count / 8)
        guard w >= 10, n >= 2 * w + 1 else { return [] }
        // prefix sums of shifted values, their squares and the finite count
        var c1 = [Double](repeating: 0, count: n + 1), c2 = c1, cn = c1
        for t in 0..<n {
            let v = x[t]
            if v.isFinite {
                let y = v - s.mean
                c1[t + 1] = c1[t] + y; c2[t + 1] = c2[t] + y * y; cn[t + 1] = cn[t] + 1
            } else {
                c1[t + 1] = c1[t]; c2[t + 1] = c2[t]; cn[t + 1] = cn[t]
            }
        }
        let sd = s.variance.squareRoot(), tiny = 1e-9 * sd
        let first = w, last = n - w                       // t in first...last
        var dAbs = [Double](repeating: .nan, count: last - first + 1), within = dAbs, signed = dAbs
        var valid: [Double] = []
        valid.reserveCapacity(dAbs.count)
        for t in first...last {
            let nb = cn[t] - cn[t - w], na = cn[t + w] - cn[t]
            guard 2 * nb >= Double(w), 2 * na >= Double(w) else { continue }
            let mb = (c1[t] - c1[t - w]) / nb, ma = (c1[t + w] - c1[t]) / na
            let vb = max(0, (c2[t] - c2[t - w] - nb * mb * mb) / max(nb - 1, 1))
            let va = max(0, (c2[t + w] - c2[t] - na * ma * ma) / max(na - 1, 1))
            let d = ma - mb
            dAbs[t - first] = abs(d); signed[t - first] = d
            within[t - first] = ((va + vb) / 2).squareRoot()
            valid.append(abs(d))
        }
        guard valid.count >= 4 else { return [] }
        let scale = max(1.4826 * median(&valid), tiny)
        var z = [Double](repeating: 0, count: dAbs.count)
        for i in 0..<dAbs.count where dAbs[i].isFinite {
            let ratio = within[i] > tiny ? dAbs[i] / within[i] : (dAbs[i] > tiny ? .infinity : 0)
            if dAbs[i] / scale >= jumpZ && ratio >= jumpWithinSD { z[i] = dAbs[i] / scale }
        }
        var out: [Jump] = []
        while out.count < jumpsListed {
            var best = -1
            for i in 0..<z.count where z[i] > 0 && (best < 0 || z[i] > z[best]) { best = i }
            guard best >= 0 else { break }
            // the row: the least-squares split of the 2w rows around the peak (the peak of D_t
            // itself wanders by a few rows with autocorrelated noise)
            let peak = best + first
            var t = peak, bestScore = -1.0
            for k in (peak - w / 2)...(peak + w / 2) {
                let n1 = cn[k] - cn[peak - w], n2 = cn[peak + w] - cn[k]
                guard n1 >= 2, n2 >= 2, x[k].isFinite else { continue }
                let diff = (c1[peak + w] - c1[k]) / n2 - (c1[k] - c1[peak - w]) / n1
                let score = n1 * n2 / (n1 + n2) * diff * diff
                if score > bestScore { bestScore = score; t = k }
            }
            let lo = max(0, t - w), hi = min(n, t + w)
            let mb = (c1[t] - c1[lo]) / (cn[t] - cn[lo]) + s.mean
            let ma = (c1[hi] - c1[t]) / (cn[hi] - cn[t]) + s.mean
            let ratio = within[best] > tiny ? dAbs[best] / within[best] : .infinity
            out.append(Jump(row: t, window: w, before: mb, after: ma, z: z[best], withinSD: ratio))
            for i in max(0, best - 2 * w)..<min(z.count, best + 2 * w + 1) { z[i] = 0 }
        }
        return out.sorted { $0.row < $1.row }
    }

    /// The median of `v` (reorders it): Hoare's selection, O(count) on average.
    static func median(_ v: inout [Double]) -> Double {
        let n = v.count
        precondition(n > 0)
        func select(_ k: Int) -> Double {
            var lo = 0, hi = n - 1
            while lo < hi {
                let pivot = v[lo + (hi - lo) / 2]
                var i = lo, j = hi
                while i <= j {
                    while v[i] < pivot { i += 1 }
                    while v[j] > pivot { j -= 1 }
                    if i <= j { v.swapAt(i, j); i += 1; j -= 1 }
                }
                if k <= j { hi = j } else if k >= i { lo = i } else { return v[k] }
            }
            return v[k]
        }
        if n % 2 == 1 { return select(n / 2) }
        let a = select(n / 2 - 1)
        // the upper middle is the smallest value right of n/2 − 1 after the selection
        var b = Double.infinity
        for i in (n / 2)..<n { b = min(b, v[i]) }
        return (a + b) / 2
    }

    // MARK: - Analysis of every column

    /// What the per-column checks measure for one column in one domain.
    struct DomainFindings {
        var summary = ColumnSummary()
        var residualRatio: Double?
        var lags = 0
        var step: Double?
        var trendR2: Double?
        var adf: ADF?
        var adfTrend: ADF?
        var jumps: [Jump] = []
        var cycle: Cycle?
    }

    struct Parts: OptionSet {
        let rawValue: Int
        static let deterministic = Parts(rawValue: 1), trend = Parts(rawValue: 2), unitRoot = Parts(rawValue: 4)
        /// ADF with constant and trend where R² ≥ 0.5 and the constant-only test keeps the unit root.
        static let trendUnitRoot = Parts(rawValue: 8)
        static let jumps = Parts(rawValue: 16)
        static let periodic = Parts(rawValue: 32)
        static let all: Parts = [.deterministic, .trend, .unitRoot, .trendUnitRoot, .jumps, .periodic]
    }

    /// Findings [p][domain], reading the row-major values in blocks of 32 columns.
    static func analyse(_ domains: [DomainValues], p: Int, maxLag: Int, parts: Parts) -> [[DomainFindings]] {
        var found = [[DomainFindings]](repeating: [], count: p)
        let block = 32
        var scratch = domains.map { [Double](repeating: 0, count: $0.rows * min(block, max(p, 1))) }
        for j0 in stride(from: 0, to: p, by: block) {
            let width = min(block, p - j0)
            for (d, dom) in domains.enumerated() {
                dom.values.withUnsafeBufferPointer { v in
                    scratch[d].withUnsafeMutableBufferPointer { out in
                        for t in 0..<dom.rows {
                            let row = v.baseAddress! + t * p + j0
                            for jj in 0..<width { out[jj * dom.rows + t] = row[jj] }
                        }
                    }
                }
            }
            for jj in 0..<width {
                var perDomain: [DomainFindings] = []
                for (d, dom) in domains.enumerated() {
                    let f = scratch[d].withUnsafeBufferPointer { buf in
                        analyseColumn(UnsafeBufferPointer(rebasing: buf[(jj * dom.rows)..<((jj + 1) * dom.rows)]),
                                      maxLag: maxLag, parts: parts)
                    }
                    perDomain.append(f)
                }
                found[j0 + jj] = perDomain
            }
        }
        return found
    }

    static func analyseColumn(_ x: UnsafeBufferPointer<Double>, maxLag: Int, parts: Parts) -> DomainFindings {
        var f = DomainFindings()
        f.summary = summary(x)
        guard !f.summary.isConstant else { return f }
        if parts.contains(.deterministic) {
            f.lags = max(maxLag, 2)
            f.residualRatio = ownPastResidualRatio(x, lags: f.lags)
            if let r = f.residualRatio, r <= deterministicResidualRatio { f.step = constantStep(x) }
        }
        if parts.contains(.trend) || parts.contains(.trendUnitRoot) { f.trendR2 = trendRSquared(x) }
        if parts.contains(.unitRoot) {
            let k = adfLagsByBIC(x, maxLags: adfMaxLags(rows: x.count, maxLag: maxLag))
            f.adf = adf(x, lags: k, trend: false)
            if parts.contains(.trendUnitRoot), let a = f.adf, a.t > a.critical, (f.trendR2 ?? 0) >= trendRSquared {
                f.adfTrend = adf(x, lags: k, trend: true)
            }
        }
        if parts.contains(.jumps) { f.jumps = levelJumps(x) }
        if parts.contains(.periodic) { f.cycle = cycle(x, maxLag: maxLag) }
        return f
    }

    // MARK: - Periodic components

    /// An autocorrelation peak beyond the max lag: the lag, the peak, and the lowest
    /// autocorrelation before it.
    struct Cycle { var lag: Int; var peak: Double; var trough: Double }

    /// Autocorrelation at a cycle's peak at or above which a periodic component is reported …
    public static let cyclePeak = 0.3
    /// … when it rises at least this much above the lowest autocorrelation at a shorter lag
    /// (a cycle dips and comes back; an AR(1) or a random walk only decays).
    public static let cycleRise = 0.3
    /// Longest lag searched, and the rows read (the first ones of each domain).
    static let cycleMaxLag = 400, cycleRows = 5000

    /// A periodic component of x longer than `maxLag`, if any: the sample autocorrelation r(k)
    /// for k ≤ min(`cycleMaxLag`, rows/3) over the first `cycleRows` rows (a missing cell counts
    /// as the mean), and the smallest lag k ≥ 2 of a local maximum with r(k) ≥ `cyclePeak` and
    /// r(k) − min_{j<k} r(j) ≥ `cycleRise` (the period; its multiples peak too), when k > maxLag. Why it matters: series
    /// that share a cycle longer than the window predict each other's phase, so a lagged method
    /// reports edges between them (a new-user trial: 5 unlinked series with a common period-12
    /// cycle, max lag 5: false edges in 4 of 10 runs; with max lag 13, in none).
    static func cycle(_ x: UnsafeBufferPointer<Double>, maxLag: Int) -> Cycle? {
        let n = min(x.count, cycleRows), K = min(cycleMaxLag, n / 3)
        guard K > maxLag + 1, K >= 3 else { return nil }
        var sum = 0.0, count = 0
        for t in 0..<n where x[t].isFinite { sum += x[t]; count += 1 }
        guard count > 2 * K else { return nil }
        let mean = sum / Double(count)
        var c = [Double](repeating: 0, count: n)
        var var0 = 0.0
        for t in 0..<n { c[t] = x[t].isFinite ? x[t] - mean : 0; var0 += c[t] * c[t] }
        guard var0 > 0 else { return nil }
        var r = [Double](repeating: 0, count: K + 2)
        r[0] = 1
        c.withUnsafeBufferPointer { cb in
            for k in 1...min(K + 1, n - 1) {
                var s = 0.0
                for t in k..<n { s += cb[t] * cb[t - k] }
                r[k] = s / var0
            }
        }
        var trough = 1.0
        for k in 1...K {
            trough = min(trough, r[k - 1])
            guard k >= 2, r[k] >= cyclePeak, r[k] >= r[k - 1], r[k] >= r[k + 1], r[k] - trough >= cycleRise else { continue }
            // the first such peak is the period (its multiples peak too); within the window,
            // the model sees a whole cycle and there is nothing to warn about
            return k > maxLag ? Cycle(lag: k, peak: r[k], trough: trough) : nil
        }
        return nil
    }

    /// One `.periodic` per column with a cycle beyond the max lag in some domain (its strongest
    /// domain's period), or one naming them all when there are 3 or more.
    static func cycleMessages(_ found: [[DomainFindings]], _ domains: [DomainValues], _ variables: [String],
                              maxLag: Int, skip: [Bool]) -> [Diagnostic] {
        var out: [Diagnostic] = [], named: [String] = [], columns: [String] = [], longest = 0
        let why = "Series that share a cycle longer than the window predict each other's phase, so edges between them can be "
            + "reported without a direct link"
        for (j, f) in found.enumerated() where !skip[j] {
            let ds = f.indices.filter { f[$0].cycle != nil && !f[$0].summary.isConstant }
            guard let d = ds.max(by: { f[$0].cycle!.peak < f[$1].cycle!.peak }), let cy = f[d].cycle else { continue }
            columns.append(variables[j]); longest = max(longest, cy.lag)
            named.append("'\(variables[j])' (\(g3(cy.peak)) at lag \(cy.lag))")
            out.append(Diagnostic(kind: .periodic, columns: [variables[j]], message:
                "'\(variables[j])' has a periodic component: its autocorrelation rises to \(g3(cy.peak)) at lag \(cy.lag) "
                + "(from \(g3(cy.trough)) at a shorter lag)\(whereText(ds, domains)), beyond --max-lag \(maxLag). \(why); remove "
                + "the cycle first (e.g. subtract each season's mean), or use --max-lag \(cy.lag) or more (the window then holds a "
                + "whole cycle, at the cost of \(cy.lag - maxLag) more lags to test)"))
        }
        guard out.count >= 3 else { return out }
        return [Diagnostic(kind: .periodic, columns: columns, message:
            "\(out.count) variables have a periodic component beyond --max-lag \(maxLag) (autocorrelation peak, at lag): "
            + named.joined(separator: ", ") + ". \(why); remove the cycles first (e.g. subtract each season's mean), or use "
            + "--max-lag \(longest) or more (the window then holds a whole cycle, at the cost of more lags to test)")]
    }

    static func isDeterministic(_ f: [DomainFindings]) -> Bool {
        f.contains { !$0.summary.isConstant && ($0.residualRatio ?? 1) <= deterministicResidualRatio }
    }

    // MARK: - Messages

    static func checkShapes(_ domains: [DomainValues], _ variables: [String]) {
        for d in domains {
            precondition(d.values.count == d.rows * variables.count,
                         "DataDiagnostics: domain '\(d.name)' has \(d.values.count) values for \(d.rows) rows × \(variables.count) variables")
        }
    }

    static func g3(_ v: Double) -> String { String(format: "%.3g", v) }

    /// " in domain 'a'", " in domains 'a', 'b'", " in all 3 domains", or "" with one domain.
    static func whereText(_ ds: [Int], _ domains: [DomainValues]) -> String {
        if domains.count <= 1 { return "" }
        if ds.count == domains.count { return domains.count == 2 ? " in both domains" : " in all \(domains.count) domains" }
        let names = ds.map { "'\(domains[$0].name)'" }.joined(separator: ", ")
        return ds.count == 1 ? " in domain \(names)" : " in domains \(names)"
    }

    static func deterministicMessages(_ found: [[DomainFindings]], _ domains: [DomainValues], _ variables: [String]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for (j, f) in found.enumerated() {
            let ds = f.indices.filter { !f[$0].summary.isConstant && (f[$0].residualRatio ?? 1) <= deterministicResidualRatio }
            guard let d0 = ds.first else { continue }
            let name = variables[j], where_ = whereText(ds, domains)
            let worst = ds.map { f[$0].residualRatio! }.max()!
            var message: String
            if ds.allSatisfy({ f[$0].step != nil }), let step = f[d0].step {
                message = "'\(name)' increases by exactly \(String(format: "%.6g", step)) every row\(where_): it looks like a row index or "
                    + "time stamp, not a measurement. Its own past predicts it exactly, so it is noise-free (deterministic) "
                    + "and its edges are trivial"
            } else {
                message = "'\(name)' is noise-free\(where_): its own last \(f[d0].lags) values predict it exactly "
                    + "(unexplained variance \(g3(worst)) of its variance, threshold \(g3(deterministicResidualRatio))), "
                    + "so it is deterministic and its edges are trivial"
            }
            message += "; drop it with --drop-columns \(name)"
            out.append(Diagnostic(kind: .deterministic, columns: [name], message: message))
        }
        return out
    }

    static func trendMessage(_ name: String, _ f: [DomainFindings], _ ds: [Int], _ domains: [DomainValues]) -> Diagnostic {
        let r2 = ds.map { f[$0].trendR2 ?? 0 }.max()!
        return Diagnostic(kind: .trend, columns: [name], message:
            "'\(name)' has a linear trend\(whereText(ds, domains)): a straight line in time explains "
            + "\(Int((100 * r2).rounded()))% of its variance (R² \(g3(r2)), threshold \(trendRSquared)); lagged "
            + "correlations between trending series are spurious; remove the trend with --detrend")
    }

    static func unitRootMessage(_ name: String, _ f: [DomainFindings], _ ds: [Int], _ tested: Int, _ domains: [DomainValues]) -> Diagnostic {
        // quote the regression that decided: the constant-and-trend one where it ran
        let decisive = ds.map { f[$0].adfTrend ?? f[$0].adf! }
        let a = decisive.max { $0.t < $1.t }!
        let withTrend = ds.contains { f[$0].adfTrend != nil }
        let scope = domains.count <= 1 ? "" : ds.count == domains.count ? whereText(ds, domains)
            : " in \(ds.count) of \(tested) domains tested (\(ds.map { "'\(domains[$0].name)'" }.joined(separator: ", ")))"
        return Diagnostic(kind: .unitRoot, columns: [name], message:
            "'\(name)' looks like a random walk (unit root suspected\(scope)): augmented Dickey–Fuller t = \(g3(a.t)) "
            + "> \(g3(a.critical)), the 10% critical value (MacKinnon 2010; constant\(withTrend ? " and trend" : ""), "
            + "\(a.lags) lagged differences, \(a.observations) rows); its level wanders without returning to a mean, "
            + "so lagged correlations with it can be spurious; --difference models the changes x_t − x_{t−1} "
            + "instead (the graph is then about changes: the levels' self-loops disappear)")
    }

    static func betweenDomainMessages(_ found: [[DomainFindings]], _ domains: [DomainValues], _ variables: [String], skip: [Bool]) -> [Diagnostic] {
        guard domains.count >= 2 else { return [] }
        var shifted: [(column: String, text: String)] = []
        for (j, f) in found.enumerated() where !skip[j] {
            let ds = f.indices.filter { f[$0].summary.count >= minimumRowsForDomainMean }
            guard ds.count >= 2 else { continue }
            let ss = ds.reduce(0.0) { $0 + f[$1].summary.sumSquares }
            let dof = ds.reduce(0) { $0 + f[$1].summary.count - 1 }
            let pooled = (ss / Double(dof)).squareRoot()
            let hi = ds.max { f[$0].summary.mean < f[$1].summary.mean }!
            let lo = ds.min { f[$0].summary.mean < f[$1].summary.mean }!
            let gap = f[hi].summary.mean - f[lo].summary.mean
            guard pooled > 0, gap > betweenDomainShift * pooled else { continue }
            shifted.append((variables[j], "'\(variables[j])' \(g3(gap / pooled)) (mean \(g3(f[hi].summary.mean)) in '\(domains[hi].name)', "
                + "\(g3(f[lo].summary.mean)) in '\(domains[lo].name)')"))
        }
        guard !shifted.isEmpty else { return [] }
        // one warning for all the variables, not one each: they usually shift together
        let listed = shifted.prefix(8).map(\.text).joined(separator: "; ") + (shifted.count > 8 ? "; and \(shifted.count - 8) more" : "")
        return [Diagnostic(kind: .levelShift, columns: shifted.map(\.column), message:
            (shifted.count == 1 ? "" : "\(shifted.count) variables: ")
            + "the largest and smallest domain means differ by more than \(g3(betweenDomainShift)) pooled within-domain standard "
            + "deviation: \(listed) (gaps in pooled within-domain standard deviations). Each domain is standardised separately, so "
            + "the shift is absorbed and needs no action if the domains are separate recordings")]
    }

    static func jumpMessages(_ found: [[DomainFindings]], _ domains: [DomainValues], _ variables: [String], skip: [Bool]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for (j, f) in found.enumerated() where !skip[j] {
            for (d, fd) in f.enumerated() where !fd.jumps.isEmpty {
                let name = variables[j]
                let rows = fd.jumps.map { "row \($0.row)" }.joined(separator: ", ")
                let details = fd.jumps.map {
                    "row \($0.row): mean of the \($0.window) rows before \(g3($0.before)), after \(g3($0.after)), "
                    + "\(g3($0.withinSD)) within-segment standard deviations, z \(g3($0.z))"
                }.joined(separator: "; ")
                out.append(Diagnostic(kind: .levelShift, columns: [name], message:
                    "'\(name)' jumps to a new level at \(rows)\(whereText([d], domains)) (0-based data rows; \(details)); "
                    + "windows across a jump mix two regimes. If the series is separate recordings glued together, "
                    + "give each segment as its own domain in a manifest (--data manifest.json)"))
            }
        }
        return out
    }
}

extension DataDiagnostics {
    /// `run` on a loaded dataset: each domain's series read as Double (missing cells NaN).
    public static func run(dataset: Dataset, maxLag: Int) -> [Diagnostic] {
        let domains = dataset.domains.map { d -> DomainValues in
            let s = d.series
            var v = [Double](repeating: 0, count: s.rows * s.columns)
            for t in 0..<s.rows { for j in 0..<s.columns { v[t * s.columns + j] = Double(s.value(t, j)) } }
            return DomainValues(name: d.name, rows: s.rows, values: v)
        }
        return run(domains: domains, variables: dataset.variables, maxLag: maxLag)
    }
}
