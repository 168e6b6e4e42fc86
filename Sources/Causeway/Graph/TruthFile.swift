import Foundation

/// Ground-truth lagged graphs stored as CSV.
///
/// Format: a header row `source,target,lag`, then one edge per row, with variables given by
/// NAME (as in the dataset's header or manifest) and an integer lag ≥ 1. Fields are trimmed;
/// blank lines and `\r\n` line ends are accepted. Whether a lag fits the model's `--max-lag`
/// is the caller's decision (the file itself may list longer lags).
public enum TruthFile {
    /// Reads `source,target,lag` with variable NAMES (header required) and returns the edges
    /// sorted, duplicates removed. Errors name the file and the 1-based line: unknown variable,
    /// lag < 1 or not an integer, wrong column count, missing or wrong header; a missing or
    /// unreadable file names the file.
    public static func read(path: String, variables: [String]) throws -> [LaggedEdge] {
        let known = variables.count <= 12 ? variables.joined(separator: ", ")
            : variables.prefix(12).joined(separator: ", ") + ", …"
        let data = try readFileContents(path, label: "truth file")
        guard let text = String(data: data, encoding: .utf8) else {
            throw CausewayError("truth file \(path) is not UTF-8 text")
        }
        var index: [String: Int] = [:]
        for (i, name) in variables.enumerated() where index[name] == nil { index[name] = i }

        var edges = Set<LaggedEdge>()
        var sawHeader = false
        // "\r\n" is one Character in Swift, so split on isNewline rather than on "\n".
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (n, rawLine) in lines.enumerated() {
            let lineNumber = n + 1
            let location = "truth file \(path), line \(lineNumber)"
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { unquote($0.trimmingCharacters(in: .whitespaces)) }
            if !sawHeader {
                guard fields.map({ $0.lowercased() }) == ["source", "target", "lag"] else {
                    throw CausewayError("\(location): expected the header 'source,target,lag', found '\(line)'")
                }
                sawHeader = true
                continue
            }
            guard fields.count == 3 else {
                throw CausewayError("\(location): expected 3 columns (source,target,lag), found \(fields.count)")
            }
            guard let source = index[fields[0]] else {
                throw CausewayError("\(location): unknown variable '\(fields[0])' (not among the dataset's \(variables.count) variables: \(known))")
            }
            guard let target = index[fields[1]] else {
                throw CausewayError("\(location): unknown variable '\(fields[1])' (not among the dataset's \(variables.count) variables: \(known))")
            }
            guard let lag = Int(fields[2]) else {
                throw CausewayError("\(location): lag '\(fields[2])' is not an integer")
            }
            guard lag >= 1 else {
                throw CausewayError("\(location): lag \(lag) must be at least 1")
            }
            edges.insert(LaggedEdge(source: source, target: target, lag: lag))
        }
        guard sawHeader else {
            throw CausewayError("truth file \(path), line 1: empty file (expected the header 'source,target,lag')")
        }
        return edges.sorted()
    }

    private static func unquote(_ s: String) -> String {
        if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") { return String(s.dropFirst().dropLast()) }
        return s
    }
}
