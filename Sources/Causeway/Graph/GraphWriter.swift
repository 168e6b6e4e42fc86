import Foundation

/// Writes the discovered graph as `graph.json`.
public enum GraphWriter {
    /// `schema_version` of graph.json and metrics.json: raised when a field changes meaning or
    /// disappears (adding a field keeps it). docs/outputs.md documents version 1.
    public static let schemaVersion = 1

    /// graph.json layout (pretty-printed, keys sorted, written atomically, trailing newline):
    /// ```
    /// {
    ///   "schema_version": 1,
    ///   "attribution": "gradient",                      // only when given
    ///   "binarize": "row-topk:3",                       // only when given
    ///   "edges": [{"lag": l, "rank_mean": m, "rank_std": d,   // rank_* only when given
    ///              "score": s, "source": name, "target": name}, ...],
    ///   "max_lag": L,
    ///   "provenance": {"key": "text" or number, ...}, // only when non-empty
    ///   "summary_edges": [{"score": s, "source": name, "target": name}, ...],
    ///   "variables": [name, ...]
    /// }
    /// ```
    /// `edges` are the given lagged edges (sorted by target, source, lag; duplicates dropped),
    /// each with its score S[lag, source, target]. `summary_edges` are the distinct
    /// source → target pairs of `edges`, each with the summary score (max of S over all lags).
    /// `rankMean` / `rankStd` (same layout as `scores`, e.g. the mean and standard deviation of
    /// each candidate's rank over attribution samples) add `rank_mean` / `rank_std` to every
    /// lagged edge; `shardAgreement` (fraction of data shards whose own graph has the edge)
    /// adds `shard_agreement`. `attribution` names the attribution method and `binarize` the rule
    /// (`BinarizeRule.description`). `decision` adds `p_value` and `q_value` to every lagged
    /// edge (the candidate's test p-value and its FDR q-value over all L·p·p candidates) and a
    /// top-level `decision` object: `rule`, `level` (Q or A), `fdr_method`, `threshold` (what the
    /// rule resolved to) and `threshold_meaning`, `test`, `held_out_windows`, `null_repeats`,
    /// `candidates`. `diagnostics` (warnings and notes about the input) are written as a list of
    /// `{"kind", "columns", "message"}` under `diagnostics` (when given). Non-finite numbers are
    /// written as `null`.
    /// - Throws: `CausewayError` when `variables` or a rank tensor does not match the tensor,
    ///   an edge is out of range, or the file cannot be written.
    public static func writeJSON(edges: [LaggedEdge], scores: ScoreTensor, variables: [String],
                                 attribution: String? = nil, binarize: String? = nil,
                                 rankMean: ScoreTensor? = nil, rankStd: ScoreTensor? = nil,
                                 shardAgreement: [LaggedEdge: Double]? = nil, decision: DecisionSummary? = nil,
                                 diagnostics: [Diagnostic]? = nil,
                                 provenance: Provenance, to path: String) throws {
        let data = try jsonData(edges: edges, scores: scores, variables: variables, attribution: attribution,
                                binarize: binarize, rankMean: rankMean, rankStd: rankStd,
                                shardAgreement: shardAgreement, decision: decision, diagnostics: diagnostics,
                                provenance: provenance)
        try AtomicFile.write(data, to: path)
    }

    static func jsonData(edges: [LaggedEdge], scores: ScoreTensor, variables: [String],
                         attribution: String? = nil, binarize: String? = nil,
                         rankMean: ScoreTensor? = nil, rankStd: ScoreTensor? = nil,
                         shardAgreement: [LaggedEdge: Double]? = nil, decision: DecisionSummary? = nil,
                         diagnostics: [Diagnostic]? = nil,
                         provenance: Provenance) throws -> Data {
        let p = scores.variables
        guard variables.count == p else {
            throw CausewayError("graph.json: \(variables.count) variable names for a score tensor over \(p) variables")
        }
        for (name, t) in [("rank_mean", rankMean), ("rank_std", rankStd)] {
            if let t, t.maxLag != scores.maxLag || t.variables != p {
                throw CausewayError("graph.json: \(name) tensor has shape [\(t.maxLag), \(t.variables), \(t.variables)], scores have [\(scores.maxLag), \(p), \(p)]")
            }
        }
        let unique = Set(edges).sorted()
        for e in unique where !(0..<p).contains(e.source) || !(0..<p).contains(e.target)
            || !(1...scores.maxLag).contains(e.lag) {
            throw CausewayError("graph.json: edge \(e.source)→\(e.target) at lag \(e.lag) is outside \(p) variables and lags 1...\(scores.maxLag)")
        }
        func number(_ v: Float) -> Any {
            // Shortest decimal that round-trips the Float, so 0.1 stays 0.1 in the file.
            v.isFinite ? (Double("\(v)") ?? Double(v)) : NSNull()
        }
        let summary = scores.summary()
        let edgeObjects: [[String: Any]] = unique.map { e in
            var o: [String: Any] = ["source": variables[e.source], "target": variables[e.target], "lag": e.lag,
                                    "score": number(scores[e.lag, e.source, e.target])]
            if let rankMean { o["rank_mean"] = number(rankMean[e.lag, e.source, e.target]) }
            if let rankStd { o["rank_std"] = number(rankStd[e.lag, e.source, e.target]) }
            if let a = shardAgreement?[e] { o["shard_agreement"] = a }
            if let pv = decision?.pValues { o["p_value"] = number(pv[e.lag, e.source, e.target]) }
            if let qv = decision?.qValues { o["q_value"] = number(qv[e.lag, e.source, e.target]) }
            return o
        }
        let summaryObjects: [[String: Any]] = Set(unique.map(\.summary)).sorted().map { e in
            ["source": variables[e.source], "target": variables[e.target],
             "score": number(summary[e.source * p + e.target])]
        }
        var root: [String: Any] = [
            "schema_version": schemaVersion,
            "variables": variables,
            "max_lag": scores.maxLag,
            "edges": edgeObjects,
            "summary_edges": summaryObjects,
        ]
        if !provenance.isEmpty { root["provenance"] = provenance.mapValues(\.jsonObject) }
        if let attribution { root["attribution"] = attribution }
        if let binarize { root["binarize"] = binarize }
        if let decision { root["decision"] = decision.jsonObject(variables: variables) }
        if let diagnostics {
            root["diagnostics"] = diagnostics.map { ["kind": $0.kind.rawValue, "columns": $0.columns, "message": $0.message] as [String: Any] }
        }
        do {
            var data = try JSONSerialization.data(
                withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            data.append(UInt8(ascii: "\n"))
            return data
        } catch {
            throw CausewayError("graph.json: cannot encode JSON: \(error.localizedDescription)")
        }
    }
}
