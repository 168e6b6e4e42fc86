import Foundation

/// Writes the summary graph as `adjacency.csv`.
public enum AdjacencyWriter {
    /// adjacency.csv: a p × p 0/1 matrix of the summary graph of `edges` (source → target at any
    /// lag). **Row = source, column = target**: entry (j, i) is 1 when j drives i at some lag.
    /// ```
    /// ,x0,x1,x2
    /// x0,0,1,0
    /// x1,0,0,1
    /// x2,0,0,1
    /// ```
    /// The header starts with an empty cell; names containing a comma, quote or line break are
    /// quoted CSV-style ("" for a quote). Written atomically, with a trailing newline.
    /// - Throws: `CausewayError` when an edge is outside `variables` or the file cannot be written.
    public static func write(edges: [LaggedEdge], variables: [String], to path: String) throws {
        try AtomicFile.write(try csv(edges: edges, variables: variables), to: path)
    }

    static func csv(edges: [LaggedEdge], variables: [String]) throws -> String {
        let p = variables.count
        var matrix = [[Bool]](repeating: [Bool](repeating: false, count: p), count: p)
        for e in edges {
            guard (0..<p).contains(e.source), (0..<p).contains(e.target) else {
                throw CausewayError("adjacency.csv: edge \(e.source)→\(e.target) is outside the \(p) variables")
            }
            matrix[e.source][e.target] = true
        }
        let names = variables.map(csvField)
        var out = "," + names.joined(separator: ",") + "\n"
        for j in 0..<p {
            out += names[j] + "," + matrix[j].map { $0 ? "1" : "0" }.joined(separator: ",") + "\n"
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
