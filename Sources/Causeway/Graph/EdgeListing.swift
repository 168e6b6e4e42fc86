import Foundation

/// The terminal's closing lines: the edges with the strongest evidence and their q-values.
public enum EdgeListing {
    /// One line for the rule, then up to `limit` edges ordered by q-value, the edges between
    /// different variables before the self-loops (in many series every self-loop is stronger
    /// than every cross edge, and the cross edges are what a user looks for): `source → target
    /// (lag ℓ)  q = …  p = …  impact = …%  score = …`, and a count of the rest. `impact`: the
    /// tests' mean increase of the target's squared error [L, p, p], in units of its variance
    /// (shown in % so that a tiny but significant effect reads as tiny).
    public static func text(_ d: Decision, summary: DecisionSummary, scores: ScoreTensor, impact: ScoreTensor? = nil,
                            variables: [String], limit: Int) -> String {
        var s = "decision: \(summary.rule)"
        if let level = summary.level {
            s += d.rule.usesPValues && summary.rule.hasPrefix("fdr")
                ? " (\(summary.fdrMethod.name), expected share of false edges ≤ \(level))"
                : " (each edge p ≤ \(level), no multiple-testing correction)"
        } else {
            s += " (\(summary.thresholdMeaning))"
        }
        let selfLoops = d.edges.filter { $0.source == $0.target }.count
        s += "; \(d.edges.count) edge\(d.edges.count == 1 ? "" : "s") kept"
            + (selfLoops > 0 ? " (\(d.edges.count - selfLoops) between variables, \(selfLoops) self-loop\(selfLoops == 1 ? "" : "s"))" : "")
        if d.rule.usesPValues {
            s += d.family == nil ? " of all \(scores.values.count) candidates"
                : " of the \(summary.tested) candidates that passed the score screen (of \(scores.values.count))"
        }
        if summary.heldOutWindows > 0 { s += "; p-values from \(summary.heldOutWindows) held-out windows" }
        s += "\n"
        let evidence = d.byEvidence(scores: scores)
        let ordered = evidence.filter { $0.source != $0.target } + evidence.filter { $0.source == $0.target }
        let width = min(24, max(6, variables.map(\.count).max() ?? 6))
        func pad(_ x: String) -> String { x.count >= width ? x : x + String(repeating: " ", count: width - x.count) }
        for e in ordered.prefix(limit) {
            var line = "  \(pad(variables[e.source])) → \(pad(variables[e.target])) lag \(e.lag)"
            if let q = d.qValues { line += "  q = \(formatP(q[e.lag, e.source, e.target]))" }
            if let p = d.pValues { line += "  p = \(formatP(p[e.lag, e.source, e.target]))" }
            if let impact, case let v = impact[e.lag, e.source, e.target], v.isFinite { line += "  impact = \(formatPercent(v))" }
            line += String(format: "  score = %.4g", Double(scores[e.lag, e.source, e.target]))
            s += line + "\n"
        }
        if ordered.count > limit {
            let hiddenSelf = ordered.dropFirst(limit).filter { $0.source == $0.target }.count
            s += "  … and \(ordered.count - limit) more" + (hiddenSelf > 0 ? " (\(hiddenSelf) of them self-loops)" : "") + "; all in graph.json\n"
        }
        let outside = summary.passingOutsideScreen
        if let level = summary.outsideScreenLevel, !outside.isEmpty {
            let named = outside.prefix(3).map { "\(variables[$0.edge.source]) → \(variables[$0.edge.target]) lag \($0.edge.lag) (q = \(formatP($0.qValue)))" }
            s += "note: \(outside.count) candidate\(outside.count == 1 ? "" : "s") outside the score screen \(outside.count == 1 ? "has" : "have") "
                + "q ≤ \(String(format: "%g", level)) with every candidate tested (--tests all): \(named.joined(separator: ", "))\(outside.count > 3 ? " and \(outside.count - 3) more" : ""). "
                + (outside.count == 1 ? "It is" : "They are") + " not in the graph, since the screen keeps the tested family to the highest-scoring "
                + "candidates. A strong test here can be a true edge the scores ranked low, or an indirect or confounded dependency; "
                + "--tests all puts every candidate in the tested family (README, How edges are decided).\n"
        }
        return s
    }

    /// A note when edges between different variables sit at the largest lag tested: the graph
    /// cannot show lags beyond `--max-lag`, and a dependency at the edge of the window is the
    /// usual sign of a slower effect (a new-user trial: x0 → x1 at lag 8 run with max lag 5 showed
    /// only x0 → x1 at lag 5, outside the screen, with nothing to say that lags were cut off).
    /// Counts the kept edges and the candidates outside the score screen that pass with every
    /// candidate tested (`DecisionSummary.passingOutsideScreen`); nil when there are none.
    public static func maxLagNote(edges: [LaggedEdge], outsideScreen: [LaggedEdge], maxLag: Int, variables: [String]) -> Diagnostic? {
        let atEdge = (edges + outsideScreen).filter { $0.lag == maxLag && $0.source != $0.target }
        guard !atEdge.isEmpty else { return nil }
        let named = atEdge.prefix(3).map { "\(variables[$0.source]) → \(variables[$0.target])" }
        var columns: [String] = []
        for e in atEdge { for v in [variables[e.source], variables[e.target]] where !columns.contains(v) { columns.append(v) } }
        return Diagnostic(kind: .note, columns: columns, message:
            "\(atEdge.count) dependenc\(atEdge.count == 1 ? "y" : "ies") between variables \(atEdge.count == 1 ? "is" : "are") at the "
            + "largest lag tested, \(maxLag) (\(named.joined(separator: ", "))\(atEdge.count > 3 ? ", …" : "")): the graph cannot show "
            + "lags beyond --max-lag, so if an effect may be slower, rerun with a larger --max-lag to see its lag")
    }

    /// A warning (kind `.trend`, or `.periodic` when only cycles are involved) naming the edges
    /// between two columns that both carry a trend, or both a cycle
    /// longer than the max lag (the input diagnostics `.trend` and `.periodic`): such an edge
    /// can come from the shared trend or cycle alone. Measured (stop 24): on 20 datasets of
    /// independent AR(1) series around linear trends, 4 reported a false cross edge, every one
    /// between two columns the trend warning named; with --detrend, none. Nil when no edge
    /// qualifies.
    public static func sharedTrendNote(edges: [LaggedEdge], diagnostics: [Diagnostic], variables: [String]) -> Diagnostic? {
        var out: [String] = [], columns: [String] = [], count = 0, kinds: [Diagnostic.Kind] = []
        for (kind, what, remedy) in [(Diagnostic.Kind.trend, "a trend", "remove the trends with --detrend and rerun"),
                                     (.periodic, "a cycle longer than --max-lag", "remove the cycle (e.g. subtract each season's mean) or use a --max-lag of at least the period")] {
            let flagged = Set(diagnostics.filter { $0.kind == kind }.flatMap(\.columns))
            let hit = edges.filter { $0.source != $0.target && flagged.contains(variables[$0.source]) && flagged.contains(variables[$0.target]) }
            guard !hit.isEmpty else { continue }
            count += hit.count
            kinds.append(kind)
            for e in hit { for v in [variables[e.source], variables[e.target]] where !columns.contains(v) { columns.append(v) } }
            out.append("\(hit.count) edge\(hit.count == 1 ? "" : "s") join\(hit.count == 1 ? "s" : "") two columns with \(what) ("
                       + hit.prefix(3).map { "\(variables[$0.source]) → \(variables[$0.target]) lag \($0.lag)" }.joined(separator: ", ")
                       + (hit.count > 3 ? ", …" : "") + "): \(remedy)")
        }
        guard count > 0 else { return nil }
        let shared = kinds == [.trend] ? "trend" : kinds == [.periodic] ? "cycle" : "trend or cycle"
        return Diagnostic(kind: kinds[0], columns: columns, message: out.joined(separator: "; ")
            + (count == 1 ? ". Such an edge" : ". Such edges") + " can come from the shared \(shared) alone (see the warnings above)")
    }

    /// An impact in units of the target's variance as a percentage: "12%", "2.5%", "0.25%",
    /// "0.013%", "< 0.001%".
    public static func formatPercent(_ v: Float) -> String {
        let pct = Double(v) * 100
        if abs(pct) < 0.001 { return pct < 0 ? "−0%" : "< 0.001%" }
        if abs(pct) >= 10 { return String(format: "%.0f%%", pct) }
        return String(format: "%.2g%%", pct)
    }

    /// p- and q-values: 3 significant digits; a zero (below Float's smallest value, 1.4e-45)
    /// reads "< 1e-45".
    public static func formatP(_ v: Float) -> String {
        if v.isNaN { return "n/a" }
        if v == 0 { return "< 1e-45" }
        return v < 0.001 ? String(format: "%.2e", Double(v)) : String(format: "%.3f", Double(v))
    }
}
