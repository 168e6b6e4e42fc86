import Foundation

/// What the outputs say about how the graph was decided: the rule, its level and resolved
/// threshold, the test behind the p-values, and the per-candidate p- and q-values
/// (graph.json's `decision` object, the report's decision section, the terminal listing).
public struct DecisionSummary: Sendable {
    public let rule: String
    /// Q of `fdr:Q` or A of `pvalue:A`; nil for the score rules.
    public let level: Double?
    public let fdrMethod: FDRMethod
    public let threshold: Double?
    public let thresholdMeaning: String
    /// `Decision.thresholdSelfLoops` / `thresholdCross`.
    public let thresholdSelfLoops: Double?, thresholdCross: Double?
    /// The test and the null draw, e.g. "conditional predictive impact, conditional draw".
    public let test: String
    /// Candidates the p-value rules considered (the screened family, or all).
    public let tested: Int
    public let family: String
    public let heldOutWindows: Int
    public let repeats: Int
    /// [L, p, p] p-values and q-values, indexed (lag−1, source, target).
    public let pValues: ScoreTensor?
    public let qValues: ScoreTensor?
    /// The effective sample size of a test computed from a correlation matrix (abcd's Fisher z);
    /// nil for the held-out tests.
    public let sampleSize: Double?
    /// `Decision.passingOutsideScreen()`: candidates outside the screen with q ≤ Q/10 when every
    /// candidate is tested, with that q-value.
    public let passingOutsideScreen: [(edge: LaggedEdge, qValue: Float)]
    /// `Decision.outsideScreenLevel`: the bar of `passingOutsideScreen`, nil where it does not apply.
    public let outsideScreenLevel: Double?
    /// The p-values come from conditional-independence tests on the attention SEM (abcd), not
    /// from held-out windows.
    public var testsAttentionSEM: Bool { sampleSize != nil }

    /// `windows`: the held-out windows behind these p-values (default: all of `significance`'s).
    public init(_ d: Decision, _ significance: Significance?, windows: Int? = nil) {
        self.init(d, test: significance.map { "conditional predictive impact (\($0.draw.rawValue) null draw" + ($0.draw == .permutation ? "" : ", \($0.conditionalModel)") + ", one-sided Newey-West t-test)" } ?? "none",
                  heldOutWindows: windows ?? significance?.windows ?? 0, repeats: significance?.repeats ?? 0, sampleSize: nil)
    }

    /// A decision whose p-values come from a test on a correlation matrix (abcd): `test` names
    /// it, `sampleSize` is the n of its Fisher z; no held-out windows.
    public init(_ d: Decision, test: String, sampleSize: Double) {
        self.init(d, test: test, heldOutWindows: 0, repeats: 0, sampleSize: sampleSize)
    }

    private init(_ d: Decision, test: String, heldOutWindows: Int, repeats: Int, sampleSize: Double?) {
        rule = d.rule.description
        switch d.rule {
        case .fdr(let q): level = q
        case .pValue(let a): level = a
        default: level = nil
        }
        fdrMethod = d.fdrMethod
        threshold = d.threshold
        thresholdMeaning = d.thresholdMeaning
        thresholdSelfLoops = d.thresholdSelfLoops
        thresholdCross = d.thresholdCross
        self.test = test
        self.heldOutWindows = heldOutWindows
        tested = d.family?.count ?? (d.pValues?.values.count ?? 0)
        family = d.family == nil ? "all" : "screened by score"
        self.repeats = repeats
        pValues = d.pValues
        qValues = d.qValues
        self.sampleSize = sampleSize
        passingOutsideScreen = d.passingOutsideScreen()
        outsideScreenLevel = d.outsideScreenLevel
    }

    /// graph.json's `decision` object (numbers; nil values as JSON null); `variables` names the
    /// sources and targets of `passing_outside_screen`.
    public func jsonObject(variables: [String]) -> [String: Any] {
        var o: [String: Any] = [
            "rule": rule, "fdr_method": fdrMethod.rawValue, "threshold_meaning": thresholdMeaning,
            "test": test, "held_out_windows": heldOutWindows, "null_repeats": repeats,
            "candidates": pValues?.values.count ?? 0, "tested": tested, "family": family,
        ]
        o["level"] = level ?? NSNull()
        o["threshold"] = threshold ?? NSNull()
        if level != nil {   // fdr:Q and pvalue:A
            o["threshold_self_loops"] = thresholdSelfLoops ?? NSNull()
            o["threshold_cross"] = thresholdCross ?? NSNull()
        }
        if let sampleSize { o["effective_sample_size"] = sampleSize }
        if outsideScreenLevel != nil {
            o["passing_outside_screen"] = passingOutsideScreen.map { ["source": variables[$0.edge.source], "target": variables[$0.edge.target],
                                                                       "lag": $0.edge.lag, "q_value_all_tested": Double($0.qValue)] }
        }
        return o
    }
}
