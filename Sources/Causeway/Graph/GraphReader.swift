import Foundation

/// What `causeway evaluate` and the report need back from a run's `graph.json`.
public struct GraphFile: Equatable, Sendable {
    public var variables: [String]
    public var maxLag: Int
    /// Lagged edges as variable indices, sorted, duplicates removed.
    public var edges: [LaggedEdge]
    public var attribution: String?
    public var binarize: String?
    public var provenance: Provenance

    /// Reads the layout written by `GraphWriter.writeJSON`. Only `variables`, `max_lag` and
    /// `edges` (each with `source`, `target` names and an integer `lag`) are required.
    /// - Throws: `CausewayError` naming the file: missing/unreadable, not JSON, a missing or
    ///   mistyped field, duplicate variable names, an edge with an unknown name or a lag
    ///   outside 1...max_lag.
    public static func read(path: String) throws -> GraphFile {
        let data = try readFileContents(path)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw CausewayError("\(path): not valid JSON (\(error.localizedDescription))")
        }
        guard let root = object as? [String: Any] else { throw CausewayError("\(path): expected a JSON object at the top level") }
        guard let variables = root["variables"] as? [String], !variables.isEmpty else {
            throw CausewayError("\(path): missing or invalid \"variables\" (a non-empty list of names)")
        }
        guard let maxLag = root["max_lag"] as? Int, maxLag >= 1 else {
            throw CausewayError("\(path): missing or invalid \"max_lag\" (an integer ≥ 1)")
        }
        guard let rawEdges = root["edges"] as? [[String: Any]] else {
            throw CausewayError("\(path): missing or invalid \"edges\" (a list of objects)")
        }
        var index: [String: Int] = [:]
        for (i, name) in variables.enumerated() {
            guard index[name] == nil else { throw CausewayError("\(path): variable name '\(name)' appears twice") }
            index[name] = i
        }
        var edges = Set<LaggedEdge>()
        for (k, e) in rawEdges.enumerated() {
            let at = "\(path): edges[\(k)]"
            guard let s = e["source"] as? String, let t = e["target"] as? String, let lag = e["lag"] as? Int else {
                throw CausewayError("\(at) needs \"source\", \"target\" (names) and \"lag\" (an integer)")
            }
            guard let source = index[s] else { throw CausewayError("\(at): unknown variable '\(s)'") }
            guard let target = index[t] else { throw CausewayError("\(at): unknown variable '\(t)'") }
            guard (1...maxLag).contains(lag) else { throw CausewayError("\(at): lag \(lag) outside 1...\(maxLag)") }
            edges.insert(LaggedEdge(source: source, target: target, lag: lag))
        }
        return GraphFile(variables: variables, maxLag: maxLag, edges: edges.sorted(),
                         attribution: root["attribution"] as? String, binarize: root["binarize"] as? String,
                         provenance: (root["provenance"] as? [String: Any] ?? [:]).compactMapValues(ProvenanceValue.init(json:)))
    }
}
