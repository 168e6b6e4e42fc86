/// Where keys and table headers are in a TOML text, found line by line: a small lookup, not a
/// parser (TOMLKit has parsed the text already; this only finds lines for messages and order).
///
/// A header is a line `[name]` or `[[name]]` (spaces and a `# comment` allowed); keys before the
/// first header belong to the top level (""), later ones to the last `[name]` above them. A key's
/// line is the first line of its section whose trimmed text starts with the key (bare, or in
/// quotes without escapes) followed by optional spaces and `=`. Lines inside multi-line strings
/// and arrays are read the same way, so such text can shadow a key or a header: the lookup
/// then finds no line or an earlier one.
struct KeyLines {
    /// Table ("" for the top level) → key → line.
    private(set) var keys: [String: [String: Int]] = [:]
    /// Table name (`[name]`, or `[name]` in brackets for `[[name]]`) → the line of its first header.
    private(set) var header: [String: Int] = [:]

    init(_ text: String) {
        var table = ""
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: Self.isLineBreak).enumerated() {
            let line = index + 1
            let trimmed = Self.trimmed(raw)
            if let name = Self.header(trimmed) {
                if header[name] == nil { header[name] = line }
                table = name
            } else if let key = Self.key(trimmed), keys[table, default: [:]][key] == nil {
                keys[table, default: [:]][key] = line
            }
        }
    }

    /// `run` for `[run]` or `[ "run" ]`, `[run]` for `[[run]]`; nil when the line is no header.
    static func header(_ line: String) -> String? {
        let double = line.hasPrefix("[[")
        guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return nil }
        var after = line.index(after: close)
        if double {
            guard after < line.endIndex, line[after] == "]" else { return nil }
            after = line.index(after: after)
        }
        let rest = trimmed(line[after...])
        guard rest.isEmpty || rest.hasPrefix("#") else { return nil }
        let inside = trimmed(line[line.index(line.startIndex, offsetBy: double ? 2 : 1)..<close])
        let name = unquoted(inside) ?? inside
        guard !name.isEmpty else { return nil }
        return double ? "[" + name + "]" : name
    }

    /// The key of a `key = …` line (bare, "quoted" or 'quoted'); nil for any other line.
    static func key(_ line: String) -> String? {
        var name: Substring
        var rest: Substring
        if let quote = line.first, quote == "\"" || quote == "'" {
            let body = line.dropFirst()
            guard let end = body.firstIndex(of: quote) else { return nil }
            name = body[..<end]
            if quote == "\"" && name.contains("\\") { return nil }
            rest = body[body.index(after: end)...]
        } else {
            let end = line.firstIndex { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-")) } ?? line.endIndex
            name = line[..<end]
            rest = line[end...]
            guard !name.isEmpty else { return nil }
        }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        return rest.first == "=" ? String(name) : nil
    }

    /// A TOML line break: LF, or CR LF (one Character in Swift).
    static func isLineBreak(_ c: Character) -> Bool { c == "\n" || c == "\r\n" }

    /// `s` without TOML whitespace (spaces and tabs) at either end.
    static func trimmed<S: StringProtocol>(_ s: S) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = s.firstIndex(where: { !isSpace($0) }), let last = s.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(s[first...last])
    }

    private static func unquoted(_ s: String) -> String? {
        guard s.count >= 2, let q = s.first, q == "\"" || q == "'", s.last == q else { return nil }
        return String(s.dropFirst().dropLast())
    }
}
