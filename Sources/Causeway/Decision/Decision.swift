import Foundation

/// The graph a user receives: scores and p-values → edges, by one named rule, with the numbers
/// that make each edge a statistical claim (its p-value and q-value) and the threshold the rule
/// resolved to.
///
/// The tested family: with `TestFamily.screened` (the default) the p-value rules consider only
/// the candidates that pass the score screen (the `auto` rule's, plus the cross-variable
/// edges above the Otsu cut of the cross-variable scores; `wide`: twice as many of the
/// highest-scoring ones; see `screen`), and the q-values
/// are computed over that family (NaN outside it). The scores come from training windows and
/// the p-values from held-out windows, so the screen is independent of the tests and the FDR
/// guarantee holds for the reported edges (screen-and-test by sample splitting: Wasserman &
/// Roeder 2009, "High-dimensional variable selection", Ann. Stat. 37:2178–2201). Fewer tests
/// mean a milder correction, so more power on short series; an edge the scores do not rank
/// highly is never reported. `TestFamily.all` tests all L·p·p candidates, and so does every
/// family with at most `allTestedUpTo` candidates.
public struct Decision: Sendable {
    public let rule: BinarizeRule
    /// The multiple-testing correction behind `qValues` (and behind `fdr:Q`).
    public let fdrMethod: FDRMethod
    /// The selected lagged edges, sorted by (target, source, lag).
    public let edges: [LaggedEdge]
    /// [L, p, p] p-values and q-values, indexed (lag−1, source, target); nil without tests.
    public let pValues: ScoreTensor?
    public let qValues: ScoreTensor?
    /// What the rule resolved to, for the outputs: for `fdr:Q` the largest p-value among the
    /// selected edges (nil when none is selected); for `pvalue:A` A; for `threshold:T` T; for
    /// `auto` the Otsu cut on the scores' |relevance| scale; nil for the top-k rules.
    public let threshold: Double?
    /// Plain words: what the threshold is a threshold on.
    public let thresholdMeaning: String
    /// For `fdr:Q` and `pvalue:A`: the largest p-value kept among self-loops and among edges
    /// between different variables (nil where none is kept). The q-values are computed per
    /// stratum, so a cross edge may have needed a p-value far below `threshold`.
    public var thresholdSelfLoops: Double? { largestKept(selfLoops: true) }
    public var thresholdCross: Double? { largestKept(selfLoops: false) }
    /// The candidates the p-value rules considered (nil = all L·p·p).
    public let family: Set<LaggedEdge>?

    /// Applies `rule` to `scores` (and to `significance`'s p-values for `fdr:Q`/`pvalue:A`).
    /// q-values are computed over all L·p·p candidates whenever p-values are given.
    /// - Parameters:
    ///   - scores: [L, p, p] attribution scores, indexed (lag−1, source, target).
    ///   - pValues: [L, p, p] p-values in the same layout, or nil.
    ///   - autoExponent: see `Binarizer.apply`.
    ///   - allTestedUpTo: families of at most this many candidates are tested in full.
    /// - Throws: `CausewayError` when the rule needs p-values and none are given.
    public static func make(rule: BinarizeRule, scores: ScoreTensor, pValues: ScoreTensor?,
                            fdrMethod: FDRMethod = .bh, family familyKind: TestFamily = .screened,
                            autoExponent: Float = 1, allTestedUpTo: Int = Decision.allTestedUpTo) throws -> Decision {
        let family: Set<LaggedEdge>? = familyKind == .all || scores.values.count <= allTestedUpTo ? nil
            : screen(scores, exponent: autoExponent, factor: familyKind == .wide ? 2 : 1)
        let q = pValues.map { qValueTensor($0, method: fdrMethod, family: family) }
        switch rule {
        case .fdr(let level), .pValue(let level):
            guard let pValues, let q else {
                throw CausewayError("--binarize \(rule): needs per-edge p-values, which this readout did not compute")
            }
            let useQ: Bool
            if case .fdr = rule { useQ = true } else { useQ = false }
            var edges: [LaggedEdge] = [], largest: Double? = nil
            let L = scores.maxLag, p = scores.variables
            for lag in 1...L {
                for source in 0..<p {
                    for target in 0..<p {
                        let v = Double(useQ ? q[lag, source, target] : pValues[lag, source, target])
                        guard !v.isNaN, v <= level else { continue }
                        if let family, !family.contains(LaggedEdge(source: source, target: target, lag: lag)) { continue }
                        edges.append(LaggedEdge(source: source, target: target, lag: lag))
                        largest = max(largest ?? 0, Double(pValues[lag, source, target]))
                    }
                }
            }
            return Decision(rule: rule, fdrMethod: fdrMethod, edges: edges.sorted(), pValues: pValues, qValues: q,
                            threshold: useQ ? largest : level, family: family,
                            thresholdMeaning: useQ ? "largest p-value among the edges kept at \(fdrMethod.name) q ≤ \(level) "
                                + "(self-loops and edges between different variables are corrected separately)"
                                                   : "p-value ≤ \(level), no multiple-testing correction")
        case .auto:
            let t = Binarizer.autoThreshold(scores, exponent: autoExponent)
            return Decision(rule: rule, fdrMethod: fdrMethod, edges: Binarizer.apply(rule, to: scores, autoExponent: autoExponent),
                            pValues: pValues, qValues: q, threshold: t.map(Double.init), family: family,
                            thresholdMeaning: "Otsu cut on the scores (|relevance| scale); no error control")
        case .threshold(let t):
            return Decision(rule: rule, fdrMethod: fdrMethod, edges: Binarizer.apply(rule, to: scores), pValues: pValues, qValues: q,
                            threshold: Double(t), family: family, thresholdMeaning: "score ≥ \(t); no error control")
        case .rowTopK, .globalTopK:
            return Decision(rule: rule, fdrMethod: fdrMethod, edges: Binarizer.apply(rule, to: scores), pValues: pValues, qValues: q,
                            threshold: nil, family: family, thresholdMeaning: "a fixed number of edges; no error control")
        }
    }

    /// Q·`outsideScreenShare`, the bar of `passingOutsideScreen`; nil where it names nothing:
    /// not `fdr:Q`, every candidate tested already, or candidates without a p-value.
    public var outsideScreenLevel: Double? {
        guard case .fdr(let q) = rule, family != nil, let pValues, !pValues.values.contains(where: \.isNaN) else { return nil }
        return q * Self.outsideScreenShare
    }

    private func largestKept(selfLoops: Bool) -> Double? {
        guard rule.usesPValues, let pValues else { return nil }
        return edges.filter { ($0.source == $0.target) == selfLoops }
            .map { Double(pValues[$0.lag, $0.source, $0.target]) }.max()
    }

    init(rule: BinarizeRule, fdrMethod: FDRMethod, edges: [LaggedEdge], pValues: ScoreTensor?, qValues: ScoreTensor?,
         threshold: Double?, family: Set<LaggedEdge>?, thresholdMeaning: String) {
        self.rule = rule; self.fdrMethod = fdrMethod; self.edges = edges; self.pValues = pValues
        self.qValues = qValues; self.threshold = threshold; self.family = family; self.thresholdMeaning = thresholdMeaning
    }

    /// With at most this many candidates (L·p·p) every one is tested whatever `--tests` says:
    /// a score cut over a handful of values is arbitrary (with two variables and max lag 1 the
    /// cross-variable cut keeps the higher of two scores and drops the other, however strong
    /// its test), and the correction for testing them all is mild.
    public static let allTestedUpTo = 20

    /// `passingOutsideScreen` names the candidates outside the screen whose all-candidates
    /// q-value is at most this share of Q.
    public static let outsideScreenShare = 0.1

    /// The screened family: the candidates the `auto` rule selects, plus every edge between
    /// different variables at or above the Otsu cut of the cross-variable scores alone
    /// (`factor` 1); or the factor·k highest-scoring candidates with k = that count (global
    /// ranking, ties to the lower lag, source, target).
    ///
    /// Why the second cut: in strongly autocorrelated data every self-loop outscores every
    /// cross edge, and one Otsu split of all L·p·p scores then separates self-loops from the
    /// rest, so no cross edge would ever be tested (Lorenz-96 with F = 10, 1,000 rows: the
    /// ten self-loops and nothing else, although the ranking is perfect). The tests are
    /// corrected per stratum (`qValueTensor`), and the screen is now cut per stratum too.
    /// When cross edges dominate the scores the two cuts coincide. Chosen by measurement
    /// (docs/accuracy.md): factor 2 finds more weak true edges on the generated suite, and
    /// also more real indirect dependencies that the benchmark sets' truth graphs do not
    /// list (finance, Lorenz-96).
    /// - Parameters:
    ///   - scores: [L, p, p] attribution scores, indexed (lag−1, source, target).
    ///   - exponent: see `Binarizer.auto`.
    public static func screen(_ scores: ScoreTensor, exponent: Float, factor: Int = 1) -> Set<LaggedEdge> {
        var family = Set(Binarizer.auto(scores, exponent: exponent))
        let x = Binarizer.autoScale(scores, exponent: exponent)
        let cross = x.indices.filter { let e = scores.edge(at: $0); return e.source != e.target && !x[$0].isNaN }
        if let t = Binarizer.otsuThreshold(cross.map { x[$0] }) {
            for k in cross where x[k] >= t { family.insert(scores.edge(at: k)) }
        }
        if factor == 1 { return family }
        return Set(Binarizer.globalTopK(scores, k: max(1, factor * family.count)))
    }

    /// The candidates outside the score screen with strong evidence: q ≤ Q·`outsideScreenShare`
    /// when every candidate is tested (`--tests all`: q-values over all L·p·p candidates, per
    /// stratum), ordered by that q-value. What the screen leaves out although its test is
    /// strong; the terminal, graph.json and the report name them so that a user can look.
    /// Only strong ones (a tenth of Q): at Q itself a share Q of them would be false by design,
    /// and a note pointing at a borderline false edge helps nobody. Empty unless the rule is
    /// `fdr:Q` on a screened family and every candidate has a p-value (L·p ≤ 100, where all
    /// inputs are tested anyway, so `--tests all` gives exactly these p-values).
    /// - Returns: edges with their all-candidates q-value.
    public func passingOutsideScreen() -> [(edge: LaggedEdge, qValue: Float)] {
        guard let level = outsideScreenLevel, let family, let pValues else { return [] }
        let all = Self.qValueTensor(pValues, method: fdrMethod)
        let out = all.values.indices.compactMap { k -> (edge: LaggedEdge, qValue: Float)? in
            let e = all.edge(at: k)
            return !family.contains(e) && Double(all.values[k]) <= level ? (e, all.values[k]) : nil
        }
        return out.sorted { $0.qValue != $1.qValue ? $0.qValue < $1.qValue : $0.edge < $1.edge }
    }

    /// q-values of a [L, p, p] p-value tensor (same layout), over the candidates of `family`
    /// (all when nil; NaN outside the family), computed separately for the two strata of
    /// hypotheses: self-loops (source = target) and edges between different variables.
    ///
    /// Why two strata: in autocorrelated data nearly every self-loop is real, and in one
    /// family those many strong discoveries would loosen the step-up bar for the cross edges
    /// (with ten true self-loops BH at Q lets through about Q·10 false cross edges). BH within
    /// each stratum controls the FDR of each stratum at Q, and so of their union
    /// (stratified FDR control: Sun, Craiu, Paterson & Bull 2006, Genetic Epidemiology
    /// 30:519–530; Efron 2008, "Simultaneous inference: when should hypothesis testing problems
    /// be combined?", Ann. Appl. Stat. 2:197–223).
    public static func qValueTensor(_ p: ScoreTensor, method: FDRMethod, family: Set<LaggedEdge>? = nil) -> ScoreTensor {
        var q = [Float](repeating: .nan, count: p.values.count)
        for selfLoops in [true, false] {
            let members = p.values.indices.filter { k in
                let e = p.edge(at: k)
                return (e.source == e.target) == selfLoops && (family?.contains(e) ?? true)
            }
            let stratum = MultipleTesting.qValues(members.map { Double(p.values[$0]) }, method: method)
            for (i, k) in members.enumerated() { q[k] = Float(stratum[i]) }
        }
        return ScoreTensor(maxLag: p.maxLag, variables: p.variables, values: q)
    }

    /// `candidates` (default: the selected edges) ordered by q-value (then p-value, then score,
    /// higher first) — what the terminal and the report list first. Without p-values: by score.
    public func byEvidence(_ candidates: [LaggedEdge]? = nil, scores: ScoreTensor) -> [LaggedEdge] {
        (candidates ?? edges).sorted { a, b in evidenceOrder(a, b, scores: scores) }
    }

    /// The strongest candidates that were not selected: the tested ones by q-value (then
    /// p-value, then score), then, when fewer than `count` were tested and rejected, the
    /// untested ones by score.
    public func nearMisses(scores: ScoreTensor, count: Int) -> [LaggedEdge] {
        let chosen = Set(edges)
        var tested: [LaggedEdge] = [], untested: [LaggedEdge] = []
        for lag in 1...scores.maxLag {
            for s in 0..<scores.variables {
                for t in 0..<scores.variables {
                    let e = LaggedEdge(source: s, target: t, lag: lag)
                    guard !chosen.contains(e) else { continue }
                    if family?.contains(e) ?? true { tested.append(e) } else { untested.append(e) }
                }
            }
        }
        tested.sort { a, b in evidenceOrder(a, b, scores: scores) }
        untested.sort { a, b in
            let sa = scores[a.lag, a.source, a.target], sb = scores[b.lag, b.source, b.target]
            return sa != sb ? sa > sb : a < b
        }
        return Array((tested + untested).prefix(count))
    }

    private func evidenceOrder(_ a: LaggedEdge, _ b: LaggedEdge, scores: ScoreTensor) -> Bool {
        func key(_ e: LaggedEdge) -> (Float, Float, Float) {
            let q = qValues.map { $0[e.lag, e.source, e.target] } ?? 0
            let p = pValues.map { $0[e.lag, e.source, e.target] } ?? 0
            return (q.isNaN ? 2 : q, p.isNaN ? 2 : p, -scores[e.lag, e.source, e.target])
        }
        let ka = key(a), kb = key(b)
        if ka.0 != kb.0 { return ka.0 < kb.0 }
        if ka.1 != kb.1 { return ka.1 < kb.1 }
        if ka.2 != kb.2 { return ka.2 < kb.2 }
        return a < b
    }
}


/// Which candidates the p-value rules test (`--tests`).
public enum TestFamily: String, CaseIterable, Sendable {
    /// The candidates that pass the score screen (training windows): the `auto` rule's, plus
    /// the cross-variable edges above the Otsu cut of the cross-variable scores.
    case screened
    /// Twice as many of the highest-scoring candidates.
    case wide
    /// All L·p·p candidates.
    case all
}
