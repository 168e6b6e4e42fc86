import Foundation

/// Writes the summary graph as a Graphviz file, `graph.dot` (`dot -Tsvg graph.dot`).
public enum DotWriter {
    /// One node per variable (all variables, so isolated ones show), one edge per distinct
    /// source → target pair of `edges`, labelled with its lags in increasing order ("1,3") and
    /// with `penwidth` from 1 (weakest) to 4 (strongest) in proportion to the pair's summary score
    /// (max of S over all lags) divided by the largest summary score among the drawn edges.
    /// Non-finite or non-positive scores get penwidth 1. Names are double-quoted with `"` and `\`
    /// escaped and line breaks written as `\n`. Written atomically.
    /// - Throws: `CausewayError` when `variables` does not match the tensor, an edge is out of
    ///   range, or the file cannot be written.
    public static func write(edges: [LaggedEdge], scores: ScoreTensor, variables: [String], to path: String) throws {
        try AtomicFile.write(try dot(edges: edges, scores: scores, variables: variables), to: path)
    }

    static func dot(edges: [LaggedEdge], scores: ScoreTensor, variables: [String]) throws -> String {
        let p = scores.variables
        guard variables.count == p else {
            throw CausewayError("graph.dot: \(variables.count) variable names for a score tensor over \(p) variables")
        }
        var lags: [SummaryEdge: Set<Int>] = [:]
        for e in edges {
            guard (0..<p).contains(e.source), (0..<p).contains(e.target), (1...scores.maxLag).contains(e.lag) else {
                throw CausewayError("graph.dot: edge \(e.source)→\(e.target) at lag \(e.lag) is outside \(p) variables and lags 1...\(scores.maxLag)")
            }
            lags[e.summary, default: []].insert(e.lag)
        }
        let summary = scores.summary()
        let pairs = lags.keys.sorted()
        let top = pairs.map { summary[$0.source * p + $0.target] }.filter { $0.isFinite && $0 > 0 }.max() ?? 0
        var out = "digraph causeway {\n"
        out += "  rankdir=LR;\n"
        out += "  node [shape=ellipse, fontname=\"Helvetica\"];\n"
        out += "  edge [fontname=\"Helvetica\", fontsize=10];\n"
        for name in variables { out += "  \(quoted(name));\n" }
        for e in pairs {
            let s = summary[e.source * p + e.target]
            let width = s.isFinite && s > 0 && top > 0 ? 1 + 3 * Double(s / top) : 1
            let label = lags[e]!.sorted().map(String.init).joined(separator: ",")
            out += "  \(quoted(variables[e.source])) -> \(quoted(variables[e.target])) "
                + "[label=\"\(label)\", penwidth=\(String(format: "%.2f", width))];\n"
        }
        out += "}\n"
        return out
    }

    /// A DOT double-quoted ID.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n", "\r\n", "\r": out += "\\n"
            default: out.append(c)
            }
        }
        return out + "\""
    }
}
