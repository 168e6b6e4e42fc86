import Foundation

/// A multi-domain dataset description:
/// `{"variables": [names], "domains": [{"name", "path"}], "source": "..."}`,
/// each `path` relative to the manifest's folder. Unknown keys are errors (typos must not
/// be silently ignored).
struct Manifest: Equatable {
    struct Domain: Equatable {
        var name: String
        var path: String
    }
    var variables: [String]
    var domains: [Domain]
    var source: String?

    static let topKeys: Set<String> = ["variables", "domains", "source"]
    static let domainKeys: Set<String> = ["name", "path"]

    /// The parser's own reason, with "around character N" turned into a line and column
    /// (1-based) of `data`, and the end of the file said plainly.
    static func jsonErrorText(_ error: Error, data: Data) -> String {
        let reason = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? error.localizedDescription
        if reason.contains("end of file") || reason.contains("Unexpected end") {
            return "the file ends before the JSON is complete (a missing '}', ']' or '\"'?)"
        }
        guard let range = reason.range(of: "around character "),
              let offset = Int(reason[range.upperBound...].prefix { $0.isNumber }), offset <= data.count else { return reason }
        let before = data.prefix(offset)
        let line = before.filter { $0 == 0x0A }.count + 1
        let column = offset - (before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0) + 1
        return "line \(line), column \(column): " + reason.replacingOccurrences(of: " around character \(offset)", with: "")
    }

    static func read(path file: String) throws -> Manifest {
        guard let data = FileManager.default.contents(atPath: file) else { throw CausewayError("cannot read \(file)") }
        guard !data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
            throw CausewayError("\(file): file is empty")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw CausewayError("\(file): malformed JSON: " + jsonErrorText(error, data: data))
        }
        guard let top = json as? [String: Any] else { throw CausewayError("\(file): expected a JSON object at the top level") }
        if let key = top.keys.sorted().first(where: { !topKeys.contains($0) }) {
            throw CausewayError("\(file): unknown key '\(key)' (allowed: variables, domains, source)")
        }
        guard let variables = top["variables"] as? [String], !variables.isEmpty else {
            throw CausewayError("\(file): 'variables' must be a non-empty array of names")
        }
        try checkUnique(variables, what: "variable name", file: file)
        guard let entries = top["domains"] as? [Any], !entries.isEmpty else {
            throw CausewayError("\(file): 'domains' must be a non-empty array of {\"name\", \"path\"} objects")
        }
        var domains: [Domain] = []
        for (k, entry) in entries.enumerated() {
            guard let d = entry as? [String: Any] else { throw CausewayError("\(file): domains[\(k)] is not an object") }
            if let key = d.keys.sorted().first(where: { !domainKeys.contains($0) }) {
                throw CausewayError("\(file): unknown key '\(key)' in domains[\(k)] (allowed: name, path)")
            }
            guard let name = d["name"] as? String, !name.isEmpty, let path = d["path"] as? String, !path.isEmpty else {
                throw CausewayError("\(file): domains[\(k)] needs a non-empty string 'name' and 'path'")
            }
            domains.append(Domain(name: name, path: path))
        }
        try checkUnique(domains.map(\.name), what: "domain name", file: file)
        if let s = top["source"], !(s is String) { throw CausewayError("\(file): 'source' must be a string") }
        return Manifest(variables: variables, domains: domains, source: top["source"] as? String)
    }

    private static func checkUnique(_ names: [String], what: String, file: String) throws {
        var seen = Set<String>()
        for n in names where !seen.insert(n).inserted {
            throw CausewayError("\(file): duplicate \(what) '\(n)'")
        }
    }

    /// JSON text for `write`, keys in a fixed order.
    func encoded() throws -> Data {
        var top: [String: Any] = ["variables": variables, "domains": domains.map { ["name": $0.name, "path": $0.path] }]
        if let source { top["source"] = source }
        return try JSONSerialization.data(withJSONObject: top, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
