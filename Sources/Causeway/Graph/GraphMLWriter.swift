import Foundation

/// Writes the graph as GraphML (http://graphml.graphdrawing.org), which networkx
/// (`networkx.read_graphml`), Gephi and Cytoscape read.
///
/// One node per variable (`id` = its name). One directed edge per reported lagged edge
/// (source → target at lag τ), with data keys `lag` (int), `score` (double: S[τ, source, target]),
/// and `p_value`, `q_value` (double) when the decision has them. A pair with edges at several
/// lags gives parallel edges (networkx reads a MultiDiGraph), each with its own `id`
/// ("source->target@lag").
public enum GraphMLWriter {
    /// - Throws: `CausewayError` when `variables`, `pValues` or `qValues` do not match `scores`,
    ///   an edge is out of range, or the file cannot be written.
    public static func write(edges: [LaggedEdge], scores: ScoreTensor, pValues: ScoreTensor?, qValues: ScoreTensor?,
                             variables: [String], to path: String) throws {
        try AtomicFile.write(Data(try text(edges: edges, scores: scores, pValues: pValues, qValues: qValues,
                                           variables: variables).utf8), to: path)
    }

    static func text(edges: [LaggedEdge], scores: ScoreTensor, pValues: ScoreTensor?, qValues: ScoreTensor?,
                     variables: [String]) throws -> String {
        let p = scores.variables, L = scores.maxLag
        guard variables.count == p else { throw CausewayError("graph.graphml: \(variables.count) variable names for \(p) variables") }
        for (name, t) in [("p-value", pValues), ("q-value", qValues)] {
            if let t, t.maxLag != L || t.variables != p {
                throw CausewayError("graph.graphml: \(name) tensor of shape [\(t.maxLag), \(t.variables), \(t.variables)] for scores [\(L), \(p), \(p)]")
            }
        }
        func number(_ v: Float) -> String { v.isNaN ? "NaN" : v.isInfinite ? (v > 0 ? "INF" : "-INF") : "\(v)" }
        var s = """
            <?xml version="1.0" encoding="UTF-8"?>
            <graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">
              <key id="lag" for="edge" attr.name="lag" attr.type="int"/>
              <key id="score" for="edge" attr.name="score" attr.type="double"/>

            """
        if pValues != nil { s += "  <key id=\"p_value\" for=\"edge\" attr.name=\"p_value\" attr.type=\"double\"/>\n" }
        if qValues != nil { s += "  <key id=\"q_value\" for=\"edge\" attr.name=\"q_value\" attr.type=\"double\"/>\n" }
        s += "  <graph id=\"causeway\" edgedefault=\"directed\">\n"
        for name in variables { s += "    <node id=\"\(markupEscape(name))\"/>\n" }
        for e in Set(edges).sorted() {
            guard (0..<p).contains(e.source), (0..<p).contains(e.target), (1...L).contains(e.lag) else {
                throw CausewayError("graph.graphml: edge \(e.source)→\(e.target) at lag \(e.lag) is outside \(p) variables and lags 1...\(L)")
            }
            let source = markupEscape(variables[e.source]), target = markupEscape(variables[e.target])
            s += "    <edge id=\"\(source)-&gt;\(target)@\(e.lag)\" source=\"\(source)\" target=\"\(target)\">"
            s += "<data key=\"lag\">\(e.lag)</data><data key=\"score\">\(number(scores[e.lag, e.source, e.target]))</data>"
            if let pValues { s += "<data key=\"p_value\">\(number(pValues[e.lag, e.source, e.target]))</data>" }
            if let qValues { s += "<data key=\"q_value\">\(number(qValues[e.lag, e.source, e.target]))</data>" }
            s += "</edge>\n"
        }
        s += "  </graph>\n</graphml>\n"
        return s
    }
}
