/// Where each lagged variable lives among the n tokens of an attention SEM (`AttentionSEM`):
/// for every variable j and lag ℓ = 1…L the token "variable j at t − ℓ", and for every target i
/// the token "target i at t".
public struct LaggedTokenMap: Sendable, Equatable {
    /// p, the number of variables.
    public let variables: Int
    /// L, the largest lag.
    public let maxLag: Int
    /// [L, p]: `past[(ℓ − 1)·p + j]` is the token of variable j at t − ℓ.
    public let past: [Int]
    /// [p]: `present[i]` is the token of target i at t.
    public let present: [Int]

    /// - Throws: `CausewayError` when p or L is below 1, the arrays do not have L·p and p entries,
    ///   an index is negative, two past tokens coincide (every test conditioning on both would be
    ///   singular), or a present token is also a past token (the target would be its own
    ///   candidate). Present tokens of different targets may coincide.
    public init(variables p: Int, maxLag L: Int, past: [Int], present: [Int]) throws {
        guard p >= 1, L >= 1 else { throw CausewayError("lagged token map: needs at least 1 variable and lag 1, got \(p) variables and max lag \(L)") }
        guard past.count == L * p, present.count == p else {
            throw CausewayError("lagged token map: expected \(L * p) past and \(p) present token indices, got \(past.count) and \(present.count)")
        }
        if let bad = (past + present).first(where: { $0 < 0 }) { throw CausewayError("lagged token map: negative token index \(bad)") }
        var seen = [Int: Int]()
        for (c, token) in past.enumerated() {
            if let other = seen[token] {
                throw CausewayError("lagged token map: token \(token) is both variable \(other % p) at lag \(other / p + 1) and variable \(c % p) at lag \(c / p + 1)")
            }
            seen[token] = c
        }
        for (i, token) in present.enumerated() {
            if let c = seen[token] {
                throw CausewayError("lagged token map: token \(token) of target \(i) at t is also variable \(c % p) at lag \(c / p + 1)")
            }
        }
        variables = p
        maxLag = L
        self.past = past
        self.present = present
    }

    /// The token of variable j at t − `lag` (lag from 1).
    public func token(variable j: Int, lag: Int) -> Int {
        precondition(lag >= 1 && lag <= maxLag && j >= 0 && j < variables, "lagged token map: (\(j), lag \(lag)) outside the map")
        return past[(lag - 1) * variables + j]
    }
}

/// A PC-style search for the lagged parents of each target, restricted to lagged candidates:
/// the PC1 condition-selection stage of PCMCI (Runge, Nowack, Kretschmer, Flaxman & Sejdinovic
/// 2019, "Detecting and quantifying causal associations in large nonlinear time series
/// datasets", Science Advances 5:eaau4996; tigramite's `run_pc_stable`), run on a correlation
/// matrix with the Gaussian CI test (`GaussianCITest`) — in ABCD's readout, the correlation of
/// the attention SEM's covariance (`AttentionSEM.forecastCovariance`; Rohekar et al. 2023, arXiv 2310.20307).
///
/// For a target i, the candidates are all (j, ℓ), j < p, 1 ≤ ℓ ≤ L, indexed c = (ℓ − 1)·p + j.
/// Starting with conditioning size k = 0 and while some candidate has at least k other current
/// candidates (and k ≤ `maxConditioningSize`):
/// - every current candidate c is tested, ρ(target_i at t, c | S), with S drawn from the other
///   current candidates: the k-subsets in lexicographic order of the candidates sorted strongest
///   first, at most `subsetsPerSize` of them (1, the default, is PC1: S = the k strongest others),
///   stopping at the first test with p > α;
/// - the candidates with such a test are removed at the end of the size (order-independent,
///   "PC-stable"), the rest re-sorted by strength = the minimum |ρ| over all their tests so far
///   (PCMCI's ordering), ties by candidate index; then k grows by 1.
///
/// NaN conventions: a candidate whose marginal test (k = 0) gives NaN (zero-variance or NaN
/// token) is untestable: removed at once, with NaN p-value and score. A NaN test at k ≥ 1 (a
/// singular or near-singular conditioning set) is inconclusive: it counts against
/// `subsetsPerSize`, neither removes the candidate nor enters its p-value or score.
///
/// Cost: a test with |S| = k costs O(k³); at most `subsetsPerSize`·L·p tests per size.
/// No decision is made here: the p-values feed a multiple-testing rule (`MultipleTesting`,
/// `Decision`) in the caller. Results are deterministic, and `searchTarget` does one target so
/// that targets can be split over ranks and joined with `assemble`.
public enum LaggedPCSearch {
    /// The search's parameters.
    public struct Settings: Sendable, Equatable {
        /// Significance level of each CI test: a candidate is removed when p > α. In (0, 1).
        public var alpha: Double
        /// Effective sample size n of the Fisher z-test (independent samples behind the
        /// correlation matrix). Positive, finite.
        public var sampleSize: Double
        /// Most conditioning sets tried per candidate and size (≥ 1; 1 is PCMCI's PC1 default).
        public var subsetsPerSize: Int
        /// Largest conditioning size (≥ 0); `Int.max` for no limit.
        public var maxConditioningSize: Int

        public init(alpha: Double, sampleSize: Double, subsetsPerSize: Int = 1, maxConditioningSize: Int = .max) {
            self.alpha = alpha
            self.sampleSize = sampleSize
            self.subsetsPerSize = subsetsPerSize
            self.maxConditioningSize = maxConditioningSize
        }
    }

    /// The search for one target. Arrays are [L·p], indexed by candidate c = (ℓ − 1)·p + j.
    public struct TargetResult: Sendable {
        /// The target variable i.
        public let target: Int
        /// Max p-value over the conclusive tests run (a removed candidate keeps the one that
        /// removed it, its largest); NaN for an untestable candidate.
        public var pValues: [Double]
        /// |ρ| of the last conclusive test (for a removed candidate: the test that removed it);
        /// NaN for an untestable candidate.
        public var scores: [Double]
        /// min |ρ| over the conclusive tests (PCMCI's `val_min`, the sort key); NaN if untestable.
        public var minAbsCorrelations: [Double]
        /// Whether the candidate is still a parent when the search stops.
        public var survived: [Bool]
        /// The conditioning set of the last conclusive test, as candidate indices.
        public var conditioningSets: [[Int]]
        /// Number of CI tests run (NaN ones included).
        public var tests: Int
    }

    /// All targets, in Causeway's layout.
    public struct Result: Sendable {
        /// [L, p, p] indexed (lag − 1, source, target): `TargetResult.scores` (|ρ| of the last
        /// test, the removing one for removed candidates). NaN for untestable candidates and for
        /// targets not searched.
        public let scores: ScoreTensor
        /// [L, p, p]: `TargetResult.pValues` (Float: p-values below ~1e-45 round to 0). NaN for
        /// untestable candidates and for targets not searched.
        public let pValues: ScoreTensor
        /// The surviving candidates as edges, sorted.
        public let parents: [LaggedEdge]
        /// Number of CI tests run over all targets.
        public let tests: Int
    }

    /// Runs the search for every target.
    /// - Parameters:
    ///   - correlation: row-major [n, n] correlation (or covariance) matrix over the n tokens.
    /// - Throws: `CausewayError` on invalid settings or a matrix that does not match n or the map
    ///   (see `searchTarget`).
    public static func search(correlation: [Double], tokens n: Int, map: LaggedTokenMap, settings: Settings) throws -> Result {
        let results = try (0..<map.variables).map {
            try searchTarget($0, correlation: correlation, tokens: n, map: map, settings: settings)
        }
        return try assemble(results, map: map)
    }

    /// Runs the search for target i alone.
    /// - Parameters:
    ///   - correlation: row-major [n, n] correlation (or covariance) matrix over the n tokens.
    /// - Throws: `CausewayError` when `correlation.count ≠ n²`, a token of `map` is ≥ n, i is not
    ///   a variable, α is not in (0, 1), the sample size is not positive and finite,
    ///   `subsetsPerSize` < 1 or `maxConditioningSize` < 0.
    public static func searchTarget(_ i: Int, correlation r: [Double], tokens n: Int, map: LaggedTokenMap,
                                    settings: Settings) throws -> TargetResult {
        try validate(correlation: r, tokens: n, map: map, settings: settings)
        guard i >= 0 && i < map.variables else { throw CausewayError("lagged PC search: target \(i) is not one of the \(map.variables) variables") }
        let m = map.maxLag * map.variables, y = map.present[i]
        var pMax = [Double](repeating: .nan, count: m), last = pMax
        var minAbs = [Double](repeating: .infinity, count: m)
        var sets = [[Int]](repeating: [], count: m)
        var current = Array(0..<m)
        var tests = 0
        var k = 0
        while k <= settings.maxConditioningSize && current.count - 1 >= k {
            var removed = [Bool](repeating: false, count: m)
            for c in current {
                let others = current.filter { $0 != c }
                var subset = Array(0..<k), tried = 0
                repeat {
                    let s = subset.map { others[$0] }
                    let rho = GaussianCITest.partialCorrelation(r, size: n, map.past[c], y, given: s.map { map.past[$0] })
                    tests += 1
                    tried += 1
                    if rho.isNaN {
                        if k == 0 { removed[c] = true; break }   // untestable
                        continue                                  // inconclusive
                    }
                    let pv = GaussianCITest.fisherZPValue(rho, sampleSize: settings.sampleSize, conditioningSize: k)
                    pMax[c] = pMax[c].isNaN ? pv : max(pMax[c], pv)
                    last[c] = abs(rho)
                    minAbs[c] = min(minAbs[c], abs(rho))
                    sets[c] = s
                    if pv > settings.alpha { removed[c] = true; break }
                } while tried < settings.subsetsPerSize && nextSubset(&subset, of: others.count)
            }
            current.removeAll { removed[$0] }
            current.sort { minAbs[$0] != minAbs[$1] ? minAbs[$0] > minAbs[$1] : $0 < $1 }
            k += 1
        }
        var survived = [Bool](repeating: false, count: m)
        for c in current { survived[c] = true }
        for c in 0..<m where minAbs[c] == .infinity { minAbs[c] = .nan }
        return TargetResult(target: i, pValues: pMax, scores: last, minAbsCorrelations: minAbs, survived: survived,
                            conditioningSets: sets, tests: tests)
    }

    /// Joins per-target results (any order, each target at most once) into [L, p, p] tensors;
    /// targets without a result get NaN scores and p-values.
    /// - Throws: `CausewayError` when a target repeats, is not a variable, or a result's arrays
    ///   do not have L·p entries.
    public static func assemble(_ results: [TargetResult], map: LaggedTokenMap) throws -> Result {
        let p = map.variables, L = map.maxLag
        var scores = ScoreTensor(maxLag: L, variables: p, values: [Float](repeating: .nan, count: L * p * p))
        var pValues = scores
        var done = [Bool](repeating: false, count: p)
        var parents: [LaggedEdge] = []
        var tests = 0
        for res in results {
            let i = res.target
            guard i >= 0 && i < p else { throw CausewayError("lagged PC search: result for target \(i), not one of the \(p) variables") }
            guard !done[i] else { throw CausewayError("lagged PC search: two results for target \(i)") }
            guard res.pValues.count == L * p, res.scores.count == L * p, res.survived.count == L * p else {
                throw CausewayError("lagged PC search: the result for target \(i) does not have \(L * p) candidates")
            }
            done[i] = true
            tests += res.tests
            for c in 0..<(L * p) {
                let lag = c / p + 1, j = c % p
                scores[lag, j, i] = Float(res.scores[c])
                pValues[lag, j, i] = Float(res.pValues[c])
                if res.survived[c] { parents.append(LaggedEdge(source: j, target: i, lag: lag)) }
            }
        }
        return Result(scores: scores, pValues: pValues, parents: parents.sorted(), tests: tests)
    }

    private static func validate(correlation r: [Double], tokens n: Int, map: LaggedTokenMap, settings: Settings) throws {
        guard n >= 1, r.count == n * n else {
            throw CausewayError("lagged PC search: \(r.count) correlation values for \(n) tokens (expected \(max(n, 0) * max(n, 0)))")
        }
        if let bad = (map.past + map.present).first(where: { $0 >= n }) {
            throw CausewayError("lagged PC search: token \(bad) of the lagged token map is outside the \(n) tokens")
        }
        guard settings.alpha > 0, settings.alpha < 1 else {
            throw CausewayError("lagged PC search: the significance level must lie strictly between 0 and 1, got \(settings.alpha)")
        }
        guard settings.sampleSize > 0, settings.sampleSize.isFinite else {
            throw CausewayError("lagged PC search: the sample size must be positive and finite, got \(settings.sampleSize)")
        }
        guard settings.subsetsPerSize >= 1 else {
            throw CausewayError("lagged PC search: subsets per conditioning size must be at least 1, got \(settings.subsetsPerSize)")
        }
        guard settings.maxConditioningSize >= 0 else {
            throw CausewayError("lagged PC search: the largest conditioning size must be at least 0, got \(settings.maxConditioningSize)")
        }
    }

    /// Advances `subset` (k increasing indices into 0..<count) to the next k-subset in
    /// lexicographic order; false when it was the last (or k = 0).
    private static func nextSubset(_ subset: inout [Int], of count: Int) -> Bool {
        let k = subset.count
        var i = k - 1
        while i >= 0 && subset[i] == count - k + i { i -= 1 }
        guard i >= 0 else { return false }
        subset[i] += 1
        for q in (i + 1)..<max(i + 1, k) { subset[q] = subset[q - 1] + 1 }
        return true
    }
}
