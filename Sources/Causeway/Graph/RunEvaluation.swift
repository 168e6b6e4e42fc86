import Foundation

/// `causeway evaluate`: scores a finished run folder against a truth file.
public enum RunEvaluation {
    /// Reads `dir/graph.json` (variables, max lag, edges) and `dir/scores.npy` (shape checked
    /// against graph.json), reads the truth CSV with graph.json's variable names, evaluates, and
    /// writes `dir/metrics.json` atomically (`Evaluation` as pretty-printed JSON, keys sorted,
    /// absent AUROC/AUPRC as null).
    /// - Throws: `CausewayError` naming the file at fault; nothing is written on error.
    @discardableResult
    public static func evaluate(runDirectory dir: String, truthPath: String) throws -> Evaluation {
        try evaluateWithMissed(runDirectory: dir, truthPath: truthPath).evaluation
    }

    /// `evaluate`, plus why the missed true edges were missed when the run's rule used
    /// p-values (`fdr:` or `pvalue:` in graph.json) and `dir/qvalues.npy` exists.
    public static func evaluateWithMissed(runDirectory dir: String, truthPath: String) throws
        -> (evaluation: Evaluation, missed: MissedTrueEdges?, scoreRule: Bool) {
        let graph = try GraphFile.read(path: dir + "/graph.json")
        let scores = try NPYScores.read(path: dir + "/scores.npy", maxLag: graph.maxLag, variables: graph.variables.count)
        let truth = try TruthFile.read(path: truthPath, variables: graph.variables)
        let evaluation = Evaluation.evaluate(predicted: graph.edges, scores: scores, truth: truth)
        try AtomicFile.write(try evaluation.jsonData(), to: dir + "/metrics.json")
        let rule = graph.binarize.flatMap { try? BinarizeRule(parsing: $0) }
        let usesPValues = rule?.usesPValues ?? false
        let qPath = dir + "/qvalues.npy"
        guard usesPValues, FileManager.default.fileExists(atPath: qPath) else { return (evaluation, nil, rule.map { !$0.usesPValues } ?? false) }
        let q = try NPYScores.read(path: qPath, maxLag: graph.maxLag, variables: graph.variables.count)
        let pPath = dir + "/pvalues.npy"
        let p = FileManager.default.fileExists(atPath: pPath)
            ? try NPYScores.read(path: pPath, maxLag: graph.maxLag, variables: graph.variables.count) : nil
        return (evaluation, MissedTrueEdges(truth: truth, edges: graph.edges, qValues: q, pValues: p), false)
    }
}

extension Evaluation {
    /// metrics.json: pretty-printed, sorted snake_case keys (`auroc_lagged`, `lagged_no_self`,
    /// `true_positives`, …, `schema_version`), a trailing newline. docs/outputs.md lists them.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        do {
            var data = try encoder.encode(self)
            data.append(UInt8(ascii: "\n"))
            return data
        } catch {
            throw CausewayError("metrics.json: cannot encode JSON: \(error.localizedDescription)")
        }
    }

    /// Reads metrics.json as written by `jsonData()`.
    /// - Throws: `DecodingError` when a field is missing or mistyped.
    public static func read(jsonData data: Data) throws -> Evaluation {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Evaluation.self, from: data)
    }

    /// A plain-text table for the terminal:
    /// ```
    /// graph               precision  recall     F1   SHD    TP    FP    FN
    /// lagged                  0.750   0.600  0.667     3     3     1     2
    /// ```
    /// followed by AUROC/AUPRC lines. A ratio whose denominator is 0 prints "n/a" (metrics.json
    /// keeps 0, see `EdgeMetrics`): precision with no reported edge, recall with no true edge,
    /// F1 when both are undefined (nothing true, nothing reported).
    public var table: String { table(missed: nil) }

    /// `table`, with the note on a graph that keeps fewer true edges than its ranking finds
    /// made specific by `missed` (which of the missed true edges were tested).
    /// `scoreRule`: the graph came from a score rule (auto, top-k, threshold), which keeps what
    /// it keeps by design: no note that tests or a screen fell short.
    public func table(missed: MissedTrueEdges?, scoreRule: Bool = false) -> String {
        func number(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "n/a" }
        func row(_ name: String, _ m: EdgeMetrics, _ shd: Int) -> String {
            name.padding(toLength: 20, withPad: " ", startingAt: 0)
                + number(m.definedPrecision).leftPadded(9) + number(m.definedRecall).leftPadded(8)
                + number(m.definedF1).leftPadded(7)
                + String(format: " %5d %5d %5d %5d", shd, m.truePositives, m.falsePositives, m.falseNegatives)
        }
        let header = "graph".padding(toLength: 20, withPad: " ", startingAt: 0)
            + zip(["precision", "recall", "F1", "SHD", "TP", "FP", "FN"], [9, 8, 7, 6, 6, 6, 6])
            .map { $0.leftPadded($1) }.joined()
        var lines = [header]
        lines.append(row("lagged", lagged, shdLagged))
        lines.append(row("lagged, no self", laggedNoSelf, shdLaggedNoSelf))
        lines.append(row("summary", summary, shdSummary))
        lines.append(row("summary, no self", summaryNoSelf, shdSummaryNoSelf))
        lines.append(row("oracle k, lagged", oracleLagged, oracleLagged.shd))
        lines.append(row("oracle k, summary", oracleSummary, oracleSummary.shd))
        lines.append("")
        lines.append("ranking              AUROC   AUPRC")
        lines.append("lagged".padding(toLength: 20, withPad: " ", startingAt: 0)
            + number(aurocLagged).leftPadded(6) + number(auprcLagged).leftPadded(8))
        lines.append("summary".padding(toLength: 20, withPad: " ", startingAt: 0)
            + number(aurocSummary).leftPadded(6) + number(auprcSummary).leftPadded(8))
        if truthBeyondMaxLag > 0 {
            lines.append("note: \(truthBeyondMaxLag) true edge(s) have a lag beyond the run's max lag: counted as missed "
                + "(scored −∞); a run with a larger --max-lag can find them")
        }
        // the ranking and the decision disagree: say which part fell short
        if !scoreRule && oracleLagged.f1 >= 0.5 && oracleLagged.f1 - lagged.f1 >= 0.2 && lagged.recall < oracleLagged.recall {
            var note = String(format: "note: the scores rank the true edges well (oracle top-k F1 %.3f) but the graph keeps "
                + "fewer (recall %.3f)", oracleLagged.f1, lagged.recall)
            if let missed, missed.outsideScreen + missed.testedNotKept > 0 {
                let total = missed.outsideScreen + missed.testedNotKept
                note += ": of the \(total) true edge\(total == 1 ? "" : "s") missed, \(missed.testedNotKept) \(missed.testedNotKept == 1 ? "was" : "were") "
                    + "tested and not kept (too little power: a longer series or more held-out windows; README, Power) and "
                    + "\(missed.outsideScreen) \(missed.outsideScreen == 1 ? "was" : "were") outside the score screen (not in the family the FDR rule corrects, so no "
                    + "q-value" + (missed.outsideScreenWithPValue > 0
                        ? "; \(missed.outsideScreenWithPValue) of them have a p-value in pvalues.npy, since every candidate is tested at this size"
                        : "") + "; --tests wide or all widens the family)"
            } else {
                note += ": the per-edge tests had too little power, or the score screen left true edges out (README, Power; "
                    + "the report's near misses list both)"
            }
            lines.append(note)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The true edges a p-value rule did not keep, by why: outside the score screen (not in the
/// family the rule corrects: no q-value) or in it and not kept. Read from the decision's
/// q-values ([L, p, p], NaN outside the family) and p-values (NaN where not computed).
public struct MissedTrueEdges: Equatable, Sendable {
    public let outsideScreen: Int, testedNotKept: Int
    /// Of `outsideScreen`, those with a p-value all the same (every candidate is tested when
    /// L·p ≤ 100; only the screened ones enter the FDR family).
    public let outsideScreenWithPValue: Int

    /// nil without q-values (a score rule). True edges beyond the max lag are not counted.
    public init?(truth: [LaggedEdge], edges: [LaggedEdge], qValues: ScoreTensor?, pValues: ScoreTensor? = nil) {
        guard let q = qValues else { return nil }
        let kept = Set(edges)
        var outside = 0, tested = 0, withP = 0
        for e in Set(truth) where e.lag <= q.maxLag && !kept.contains(e) {
            if q[e.lag, e.source, e.target].isNaN {
                outside += 1
                if let p = pValues, !p[e.lag, e.source, e.target].isNaN { withP += 1 }
            } else {
                tested += 1
            }
        }
        outsideScreen = outside
        testedNotKept = tested
        outsideScreenWithPValue = withP
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
