import Foundation

/// Everything `report.html` shows.
public struct ReportInput {
    public var variables: [String]
    public var maxLag: Int
    public var scores: ScoreTensor
    /// The predicted (binarised) lagged edges.
    public var edges: [LaggedEdge]
    /// Optional per-candidate rank statistics, indexed like `scores`.
    public var rankMean: ScoreTensor?, rankStd: ScoreTensor?
    public var trainingLog: [TrainingPoint]
    public var evaluation: Evaluation?
    public var truth: [LaggedEdge]?
    public var title: String
    public var provenance: Provenance
    /// The decision that produced `edges` (rule, p- and q-values), shown in its own section,
    /// in the edge table and in the near-misses table.
    public var decision: Decision?
    public var decisionSummary: DecisionSummary?
    /// Warnings and notes about the input (`Dataset.check`, `DataDiagnostics`), in their own section.
    public var diagnostics: [Diagnostic] = []
    /// The attribution method, named in the header.
    public var attribution: AttributionMethod?

    public init(variables: [String], maxLag: Int, scores: ScoreTensor, edges: [LaggedEdge],
                rankMean: ScoreTensor? = nil, rankStd: ScoreTensor? = nil, trainingLog: [TrainingPoint] = [],
                evaluation: Evaluation? = nil, truth: [LaggedEdge]? = nil, title: String,
                provenance: Provenance = [:], decision: Decision? = nil, decisionSummary: DecisionSummary? = nil,
                diagnostics: [Diagnostic] = [], attribution: AttributionMethod? = nil) {
        self.diagnostics = diagnostics
        self.attribution = attribution
        self.decision = decision
        self.decisionSummary = decisionSummary
        self.variables = variables
        self.maxLag = maxLag
        self.scores = scores
        self.edges = edges
        self.rankMean = rankMean
        self.rankStd = rankStd
        self.trainingLog = trainingLog
        self.evaluation = evaluation
        self.truth = truth
        self.title = title
        self.provenance = provenance
    }
}

/// Writes `report.html`: one self-contained page (inline CSS and SVG; no JavaScript, no network).
///
/// Sections, in order: header (title, size of the problem, the attribution method, the rule and
/// its resolved threshold); data diagnostics (when any); the decision (rule,
/// level, resolved threshold, test; when given); metrics (when an evaluation is given); training and validation loss against step; the score heatmap (rows =
/// targets, columns = sources grouped in lag blocks, predicted edges outlined, true edges dotted);
/// the summary graph on a circle; the table of predicted edges (with p- and q-values, ordered by
/// q-value, when a decision is given) with one sentence per measure, and the near misses (the
/// strongest rejected candidates); the run details (provenance, folded).
/// All names are HTML-escaped. Written atomically.
public enum ReportWriter {
    /// - Throws: `CausewayError` when the inputs disagree in shape or an edge is out of range,
    ///   or the file cannot be written.
    public static func write(_ input: ReportInput, to path: String) throws {
        try AtomicFile.write(try html(input), to: path)
    }

    static func html(_ r: ReportInput) throws -> String {
        let p = r.variables.count
        guard r.scores.variables == p, r.scores.maxLag == r.maxLag else {
            throw CausewayError("report.html: \(p) variables and max lag \(r.maxLag) for a score tensor of shape [\(r.scores.maxLag), \(r.scores.variables), \(r.scores.variables)]")
        }
        for (name, t) in [("rank mean", r.rankMean), ("rank std", r.rankStd)] {
            if let t, t.maxLag != r.maxLag || t.variables != p {
                throw CausewayError("report.html: \(name) tensor has shape [\(t.maxLag), \(t.variables), \(t.variables)], scores have [\(r.maxLag), \(p), \(p)]")
            }
        }
        for e in r.edges where !(0..<p).contains(e.source) || !(0..<p).contains(e.target) || !(1...r.maxLag).contains(e.lag) {
            throw CausewayError("report.html: edge \(e.source)→\(e.target) at lag \(e.lag) is outside \(p) variables and lags 1...\(r.maxLag)")
        }
        for e in r.truth ?? [] where !(0..<p).contains(e.source) || !(0..<p).contains(e.target) {
            throw CausewayError("report.html: true edge \(e.source)→\(e.target) is outside the \(p) variables")
        }

        let edges = Set(r.edges).sorted()
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(r.title))</title>
            <style>\(css)</style>
            </head>
            <body>
            <header>
            <h1>\(escape(r.title))</h1>
            <p class="lead">\(p) variables · max lag \(r.maxLag) · \(edges.count) predicted lagged edge\(edges.count == 1 ? "" : "s") · \(Set(edges.map(\.summary)).count) summary edge\(Set(edges.map(\.summary)).count == 1 ? "" : "s")\(r.truth.map { " · \(Set($0).count) true lagged edges" } ?? "")</p>

            """
        page += "<p class=\"method\">" + methodLine(r) + "</p>\n"
        page += "</header>\n"

        if !r.diagnostics.isEmpty {
            page += section("Data diagnostics", id: "diagnostics", "<ul class=\"diagnostics\">\n"
                + r.diagnostics.map { "<li><b>\(escape($0.kind == .note ? "note" : $0.kind.rawValue.replacingOccurrences(of: "_", with: " ")))</b>: \(escape($0.message))</li>" }
                    .joined(separator: "\n") + "\n</ul>")
        }
        if let d = r.decisionSummary {
            page += section("Decision", id: "decision", decisionText(d, edges: edges.count, candidates: r.scores.values.count, variables: r.variables))
        }
        if let ev = r.evaluation {
            page += section("Metrics", id: "metrics", metricsTable(ev))
        }
        page += section("Training", id: "training",
                        r.trainingLog.isEmpty ? "<p class=\"note\">No training log.</p>" : ReportCharts.lossChart(r.trainingLog))
        if p <= ReportScaling.fullHeatmapVariables {
            page += section("Scores", id: "heatmap",
                            "<p class=\"note\">S[ℓ, source, target]: rows are targets, columns are sources grouped by lag. "
                            + (p <= ReportCharts.valuesInCellsVariables ? "Each cell shows its score (hover for more digits).</p>\n"
                               : "Hover a cell for its value.</p>\n")
                            + ReportCharts.heatmap(scores: r.scores, variables: r.variables, edges: Set(edges),
                                                   truth: r.truth.map(Set.init), values: p <= ReportCharts.valuesInCellsVariables))
        } else {
            let d = ReportScaling.downsample(scores: r.scores, variables: r.variables, edges: Set(edges), truth: r.truth.map(Set.init))
            page += section("Scores", id: "heatmap",
                            "<p class=\"note\">S[ℓ, source, target], downsampled: the \(p) variables are grouped into \(d.names.count) bins "
                            + "of consecutive variables; each cell is the largest score of its block (rows are target bins, columns "
                            + "source bins, grouped by lag), outlined when the block holds a predicted edge. Hover a cell for its "
                            + "bins and value; every score is in scores.npy.</p>\n"
                            + ReportCharts.heatmap(scores: d.scores, variables: d.names, edges: d.edges, truth: d.truth))
        }
        if p <= ReportScaling.fullGraphVariables {
            page += section("Summary graph", id: "graph",
                            "<p class=\"note\">An arrow source → target when the target has a predicted parent at any lag; "
                            + "the numbers on an arrow are its lags; width grows with the summary score (max over lags).</p>\n"
                            + ReportCharts.summaryGraph(scores: r.scores, variables: r.variables, edges: edges,
                                                        truth: r.truth))
        } else {
            page += section("Summary graph", id: "graph", ReportScaling.degreeTable(variables: r.variables, edges: edges))
        }
        page += section("Predicted edges", id: "edges", edgeTable(r, edges, limit: ReportScaling.edgeTableRows) + confidenceNotes(r))
        if let d = r.decision, d.qValues != nil {
            let misses = d.nearMisses(scores: r.scores, count: 10)
            page += section("Near misses", id: "near-misses",
                            "<p class=\"note\">The strongest candidates the rule rejected: first those in the tested family by "
                            + "q-value (evidence that fell short), then the highest-scoring ones the score screen left out of the "
                            + "family (\"screened out\": no q-value, though their input may have a p-value).</p>\n"
                            + edgeTable(r, misses, ordered: true))
        }
        if !r.provenance.isEmpty { page += provenanceSection(r.provenance) }
        page += "<footer>Causeway \(escape(causewayVersion)) · self-contained report, no scripts</footer>\n</body>\n</html>\n"
        return page
    }

    /// The header's second line: how scores were made and how edges were decided, with the
    /// threshold the rule resolved to.
    static func methodLine(_ r: ReportInput) -> String {
        var parts: [String] = []
        if let a = r.attribution { parts.append("<b>Scores</b>: \(escape(a.plainName)) of a transformer forecaster") }
        if let d = r.decisionSummary {
            var rule = "<b>Decision</b>: \(escape(d.rule))"
            let tests = d.testsAttentionSEM ? "conditional-independence tests on the attention SEM" : "per-edge tests on held-out windows"
            if d.rule.hasPrefix("fdr") {
                rule += " — \(tests), \(escape(d.fdrMethod.name)) false-discovery control at "
                    + "Q = \(d.level.map { String($0) } ?? "?")"
            } else if d.rule.hasPrefix("pvalue") {
                rule += " — \(tests), each edge at α = \(d.level.map { String($0) } ?? "?") (no multiple-testing control)"
            } else {
                rule += " — a cut of the scores (no error control)"
            }
            rule += "; threshold " + (d.threshold.map { String(format: "%.4g", $0) + " (" + escape(d.thresholdMeaning) + ")" }
                                      ?? "none (no edge kept)")
            parts.append(rule)
        }
        return parts.joined(separator: "<br>\n")
    }

    /// Plain-word labels for the provenance keys; unknown keys are shown as they are.
    static let provenanceLabels: [String: String] = [
        "data": "data file", "data_sha256": "data SHA-256", "per_domain": "per-domain graphs", "command": "command", "version": "Causeway version",
        "seed": "random seed", "steps": "training steps", "best_step": "best validation step",
        "wall_time_s": "wall time (s)", "training_s": "training (s)", "readout_s": "attribution readout (s)",
        "significance_s": "per-edge tests (s)", "eval_samples": "readout samples", "threads": "threads per rank",
        "ranks": "MPI ranks", "agreement_shards": "data shards for shard agreement", "checkpoint": "checkpoint",
        "time": "time axis", "warning": "warning", "domain": "domain", "linear_path_start": "linear path start",
    ]

    static func provenanceSection(_ provenance: Provenance) -> String {
        var s = "<section id=\"provenance\">\n<details>\n<summary>Run details (provenance, also in graph.json)</summary>\n<table class=\"prov\">\n"
        for key in provenance.keys.sorted(by: { (provenanceLabels[$0] ?? $0) < (provenanceLabels[$1] ?? $1) }) {
            s += "<tr><th>\(escape(provenanceLabels[key] ?? key))</th><td>\(escape(provenance[key]!.description))</td></tr>\n"
        }
        return s + "</table>\n</details>\n</section>\n"
    }

    /// One sentence per number of the edge tables.
    static func confidenceNotes(_ r: ReportInput) -> String {
        let abcd = r.decisionSummary?.testsAttentionSEM ?? false
        var items = [abcd
            ? "<li><b>score</b>: |partial correlation| of the source at that lag and the target in the SEM read from the "
                + "attention, given the candidates its last test conditioned on; it ranks candidates but is not a probability.</li>"
            : "<li><b>score</b>: how much the forecast of the target depends on the source at that lag "
                + "(the attribution, averaged over forecasts); it ranks candidates but is not a probability.</li>"]
        if r.decision?.pValues != nil {
            items.append(abcd
                ? "<li><b>p-value</b>: Fisher's z-test of zero partial correlation (the largest over the candidate's tests); "
                    + "small means strong evidence, as far as the test's n holds.</li>"
                : "<li><b>p-value</b>: the chance of a forecast improvement at least this large from this input if the "
                    + "edge did not exist (tested on held-out windows); small means strong evidence.</li>")
        }
        if r.decision?.qValues != nil {
            items.append("<li><b>q-value</b>: the smallest false-discovery rate at which the edge would be kept; keeping every "
                + "edge with q ≤ 0.05 means that on average at most 5% of the kept edges are false.</li>")
        }
        if r.rankMean != nil {
            items.append("<li><b>rank mean</b>: the candidate's average rank among the target's inputs over forecasts "
                + "(1 = always the strongest); <b>rank std</b>: how much that rank varies (small = consistent).</li>")
        }
        return "<ul class=\"notes\">\n" + items.joined(separator: "\n") + "\n</ul>\n"
    }

    static func section(_ title: String, id: String, _ body: String) -> String {
        "<section id=\"\(id)\">\n<h2>\(escape(title))</h2>\n\(body)\n</section>\n"
    }

    static func metricsTable(_ ev: Evaluation) -> String {
        func opt(_ v: Double?) -> String { v.map(fmt3) ?? "n/a" }
        func row(_ name: String, _ m: EdgeMetrics, _ shd: Int) -> String {
            "<tr><th>\(name)</th><td>\(opt(m.definedPrecision))</td><td>\(opt(m.definedRecall))</td><td>\(opt(m.definedF1))</td>"
                + "<td>\(shd)</td><td>\(m.truePositives)</td><td>\(m.falsePositives)</td><td>\(m.falseNegatives)</td></tr>\n"
        }
        var s = "<div class=\"tables\">\n<table class=\"num\">\n<thead><tr><th>graph</th><th>precision</th><th>recall</th>"
            + "<th>F1</th><th>SHD</th><th>TP</th><th>FP</th><th>FN</th></tr></thead>\n<tbody>\n"
        s += row("lagged", ev.lagged, ev.shdLagged)
        s += row("lagged, no self-loops", ev.laggedNoSelf, ev.shdLaggedNoSelf)
        s += row("summary", ev.summary, ev.shdSummary)
        s += row("summary, no self-loops", ev.summaryNoSelf, ev.shdSummaryNoSelf)
        s += "</tbody>\n</table>\n<table class=\"num\">\n<thead><tr><th>ranking</th><th>AUROC</th><th>AUPRC</th></tr></thead>\n<tbody>\n"
        s += "<tr><th>lagged</th><td>\(opt(ev.aurocLagged))</td><td>\(opt(ev.auprcLagged))</td></tr>\n"
        s += "<tr><th>summary</th><td>\(opt(ev.aurocSummary))</td><td>\(opt(ev.auprcSummary))</td></tr>\n"
        s += "</tbody>\n</table>\n</div>\n"
        s += "<p class=\"note\">SHD = FP + FN (each directed edge is one insertion or deletion; a reversed summary edge counts 2). "
            + "AUROC/AUPRC rank all candidates by score"
            + (ev.truthBeyondMaxLag > 0 ? "; \(ev.truthBeyondMaxLag) true edge(s) beyond the max lag count as missed" : "")
            + ".</p>\n"
        return s
    }

    static func decisionText(_ d: DecisionSummary, edges: Int, candidates: Int, variables: [String]) -> String {
        var s = "<table class=\"prov\">\n"
        func row(_ k: String, _ v: String) { s += "<tr><th>\(escape(k))</th><td>\(escape(v))</td></tr>\n" }
        row("rule", d.rule)
        if let level = d.level { row(d.rule.hasPrefix("fdr") ? "FDR level Q" : "significance level α", String(level)) }
        if d.qValues != nil {
            row("q-values", d.fdrMethod.name + (d.family == "all" ? " over all \(candidates) candidates"
                : " over the \(d.tested) candidates screened by score (of \(candidates))")
                + ", self-loops and edges between different variables separately")
        }
        row("resolved threshold", d.threshold.map { String(format: "%.4g", $0) } ?? "none (no edge kept)")
        row("threshold on", d.thresholdMeaning)
        if d.qValues != nil && d.level != nil {   // fdr:Q and pvalue:A
            func f(_ v: Double?) -> String { v.map { String(format: "%.4g", $0) } ?? "none kept" }
            row("largest p-value kept", "self-loops: \(f(d.thresholdSelfLoops)); edges between different variables: \(f(d.thresholdCross))")
        }
        row("test", d.test)
        if d.heldOutWindows > 0 { row("held-out windows", "\(d.heldOutWindows) (× \(d.repeats) null draw\(d.repeats == 1 ? "" : "s"))") }
        if let n = d.sampleSize { row("n of the Fisher z-tests", String(format: "%g", n)) }
        row("edges kept", "\(edges) of \(candidates)")
        s += "</table>\n"
        if d.rule.hasPrefix("fdr") && d.testsAttentionSEM {
            s += "<p class=\"note\">Each candidate edge source → target at lag ℓ was tested for conditional independence in the "
                + "linear SEM read from the model's attention (ABCD): the partial correlation of x<sub>source, t−ℓ</sub> and "
                + "x<sub>target, t</sub> given the strongest other candidates, with Fisher's z at the n above, which treats every "
                + "readout sample as one independent draw. Edges with q ≤ Q are kept; the error rate holds only as far as that n "
                + "does.</p>\n"
        } else if d.rule.hasPrefix("fdr") {
            s += "<p class=\"note\">Each candidate edge source → target at lag ℓ was tested on windows the model was not trained on: "
                + "x<sub>source, t−ℓ</sub> was replaced by a draw from its distribution given the window's other inputs, and the "
                + "p-value says how surprising the resulting increase of the target's forecast error would be if the edge did not "
                + "exist. Edges with q ≤ Q are kept: on average at most a share Q of them are false.</p>\n"
        }
        let outside = d.passingOutsideScreen
        if let level = d.outsideScreenLevel, !outside.isEmpty {
            let named = outside.prefix(10).map { "\(escape(variables[$0.edge.source])) → \(escape(variables[$0.edge.target])) lag \($0.edge.lag) "
                + "(q = \(EdgeListing.formatP($0.qValue)))" }
            s += "<p class=\"note\"><b>Outside the screen:</b> \(outside.count) candidate\(outside.count == 1 ? "" : "s") that the score "
                + "screen left out have q ≤ \(String(format: "%g", level)) (a tenth of Q) "
                + "with every candidate tested (<code>--tests all</code>, q-values over all "
                + "\(candidates)): \(named.joined(separator: ", "))\(outside.count > 10 ? " and \(outside.count - 10) more (graph.json lists all)" : ""). "
                + (outside.count == 1 ? "It is" : "They are") + " not in the graph. A strong test outside the screen can be a true edge "
                + "the scores ranked low, or an indirect or confounded dependency; <code>--tests all</code> puts every candidate in the "
                + "tested family.</p>\n"
        }
        return s
    }

    /// `limit`: at most this many rows (the strongest evidence first), with a note on the rest.
    static func edgeTable(_ r: ReportInput, _ edges: [LaggedEdge], ordered alreadyOrdered: Bool = false, limit: Int = .max) -> String {
        guard !edges.isEmpty else { return "<p class=\"note\">No edges were selected.</p>" }
        let truth = r.truth.map(Set.init)
        let ordered: [LaggedEdge]
        if alreadyOrdered {
            ordered = edges
        } else if let d = r.decision, d.qValues != nil {
            ordered = d.byEvidence(edges, scores: r.scores)
        } else {
            ordered = edges.sorted { a, b in
                let sa = r.scores[a.lag, a.source, a.target], sb = r.scores[b.lag, b.source, b.target]
                if sa != sb { return sa > sb }
                return a < b
            }
        }
        let pv = r.decision?.pValues, qv = r.decision?.qValues
        var s = "<table class=\"num edges\">\n<thead><tr><th>#</th><th>source</th><th>target</th><th>lag</th><th>score</th>"
        if qv != nil { s += "<th>q-value</th>" }
        if pv != nil { s += "<th>p-value</th>" }
        if r.rankMean != nil { s += "<th>rank mean</th>" }
        if r.rankStd != nil { s += "<th>rank std</th>" }
        if truth != nil { s += "<th>in truth</th>" }
        s += "</tr></thead>\n<tbody>\n"
        for (k, e) in ordered.prefix(limit).enumerated() {
            s += "<tr><td>\(k + 1)</td><td class=\"name\">\(escape(r.variables[e.source]))</td>"
                + "<td class=\"name\">\(escape(r.variables[e.target]))</td><td>\(e.lag)</td>"
                + "<td>\(fmtScore(r.scores[e.lag, e.source, e.target]))</td>"
            if let qv {
                let q = qv[e.lag, e.source, e.target]
                s += "<td>\(q.isNaN ? "screened out" : EdgeListing.formatP(q))</td>"
            }
            if let pv { s += "<td>\(EdgeListing.formatP(pv[e.lag, e.source, e.target]))</td>" }
            if let m = r.rankMean { s += "<td>\(fmtScore(m[e.lag, e.source, e.target]))</td>" }
            if let d = r.rankStd { s += "<td>\(fmtScore(d[e.lag, e.source, e.target]))</td>" }
            if let truth {
                s += truth.contains(e) ? "<td class=\"yes\">yes</td>" : "<td class=\"no\">no</td>"
            }
            s += "</tr>\n"
        }
        s += "</tbody>\n</table>\n"
        if ordered.count > limit {
            s += "<p class=\"note\">The first \(limit) of \(ordered.count) edges; all of them are in graph.json.</p>\n"
        }
        return s
    }

    /// HTML/XML text and attribute escaping.
    static func escape(_ s: String) -> String { markupEscape(s) }

    static func fmt3(_ v: Double) -> String { String(format: "%.3f", v) }

    static func fmtScore(_ v: Float) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "∞" : "−∞" }
        return String(format: "%.4g", Double(v))
    }

    static let css = """

        :root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --card: #ffffff; --bg: #f6f7f9; --accent: #1d4ed8; }
        * { box-sizing: border-box; }
        body { margin: 0 auto; max-width: 1240px; padding: 24px 28px 40px; background: var(--bg); color: var(--ink);
               font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
        h2 { font-size: 18px; margin: 0 0 12px; color: var(--accent); }
        header, section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; margin-bottom: 18px; }
        .lead { margin: 0 0 10px; color: var(--muted); }
        .note { color: var(--muted); font-size: 13px; margin: 4px 0 10px; }
        table { border-collapse: collapse; font-size: 13px; }
        th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        thead th { color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); }
        table.num td { text-align: right; font-variant-numeric: tabular-nums; }
        table.num td.name { text-align: left; }
        table.prov th { color: var(--muted); font-weight: 500; white-space: nowrap; }
        table.prov td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
        .tables { display: flex; flex-wrap: wrap; gap: 28px; align-items: flex-start; }
        td.yes { color: #15803d; font-weight: 600; }
        td.no { color: #b91c1c; }
        svg { display: block; max-width: 100%; height: auto; margin: 6px 0; }
        svg.graph { margin: 6px auto; }
        svg text { font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; fill: #374151; }
        footer { color: var(--muted); font-size: 12px; text-align: center; }
        .method { margin: 0; font-size: 14px; }
        ul.notes { color: var(--muted); font-size: 13px; margin: 10px 0 0; padding-left: 20px; }
        details summary { cursor: pointer; color: var(--accent); font-weight: 600; }

        """
}
