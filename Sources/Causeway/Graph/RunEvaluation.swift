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
        let graph = try GraphFile.read(path: dir + "/graph.json")
        let scores = try NPYScores.read(path: dir + "/scores.npy", maxLag: graph.maxLag, variables: graph.variables.count)
        let truth = try TruthFile.read(path: truthPath, variables: graph.variables)
        let evaluation = Evaluation.evaluate(predicted: graph.edges, scores: scores, truth: truth)
        try AtomicFile.write(try evaluation.jsonData(), to: dir + "/metrics.json")
        return evaluation
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
    public var table: String {
        func number(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "n/a" }
        func row(_ name: String, _ m: EdgeMetrics, _ shd: Int) -> String {
            let reported = m.truePositives + m.falsePositives, truth = m.truePositives + m.falseNegatives
            let precision = reported == 0 ? nil : m.precision, recall = truth == 0 ? nil : m.recall
            let f1 = precision == nil && recall == nil ? nil : m.f1
            return name.padding(toLength: 20, withPad: " ", startingAt: 0)
                + number(precision).leftPadded(9) + number(recall).leftPadded(8) + number(f1).leftPadded(7)
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
            lines.append("(\(truthBeyondMaxLag) true edge(s) have a lag beyond max_lag: counted as missed, scored −∞)")
        }
        // the ranking and the decision disagree: say which part fell short
        if oracleLagged.f1 - lagged.f1 >= 0.2 && lagged.recall < oracleLagged.recall {
            lines.append(String(format: "note: the scores rank the true edges well (oracle top-k F1 %.3f) but the graph keeps "
                + "fewer (recall %.3f): the per-edge tests had too little power, or the score screen left true edges "
                + "out (README, Power; the report's near misses list both)", oracleLagged.f1, lagged.recall))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
