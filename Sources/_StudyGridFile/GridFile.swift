// Reading a study grid file with TOMLKit, in a module of its own: TOMLKit extends Array,
// Dictionary, String, Double, Bool and Data with TOML accessors (`int`, `string`, an Int
// subscript, …) that change how ordinary expressions type-check wherever TOMLKit is loaded
// (`[1, x[t]]` became `[Any]` in our tests, even through an `internal import`). Imported
// implementation-only, and with no TOMLKit type in this module's interface or stored
// properties, it is never loaded by Causeway or anything that imports Causeway.
internal import TOMLKit

/// A grid file that is not valid TOML, or holds a value a grid cannot use. `message` starts with
/// `path:line:column:` or `path:line:` when the place is known, else with `path:`.
public struct GridFileError: Error, Sendable {
    public let message: String
    init(_ message: String) { self.message = message }
}

/// A value in a study grid: an item of a top-level list, or the value of a `[run]` or
/// `[baselines]` flag. Converted from the TOML value TOMLKit parsed.
public enum GridValue: Equatable, Sendable {
    case integer(Int)
    case float(Double)
    case string(String)
    case boolean(Bool)
    case array([GridValue])

    /// The value as written, for messages and for passing on as a flag value.
    public var text: String {
        switch self {
        case .integer(let i): return String(i)
        case .float(let f): return String(f)
        case .string(let s): return s
        case .boolean(let b): return String(b)
        case .array(let a): return "[" + a.map(\.text).joined(separator: ", ") + "]"
        }
    }
}

/// A study grid file parsed by TOMLKit (any TOML 1.0 document), with the line of each key.
///
/// TOMLKit reports where a syntax error is (`path:line:column: message`) but not where a key
/// is, and its tables come back in key order, not file order. Lines come from a small lookup in
/// the source text (`KeyLines`): a key's line is the first line of its table's section whose
/// trimmed text is the key followed by optional spaces and `=`. Keys it cannot place (dotted
/// keys, keys of inline tables) have no line: messages then name the file and the key only, and
/// such keys come after the placed ones, in key order.
public struct GridFile: Sendable {
    public struct Entry: Sendable {
        public let key: String
        public let value: GridValue
        public let line: Int?
    }

    /// A top-level table: `[name]` (or `name.key = …`, `name = { … }`), or `[[name]]`.
    public struct Table: Sendable {
        public let name: String
        public let isArrayOfTables: Bool
        public let line: Int?
    }

    public let path: String
    /// The top level's tables and arrays of tables, in file order.
    public let tables: [Table]
    /// The top level's other keys, in file order.
    private let top: [Pending]
    /// Each top-level table's keys, in file order.
    private let sections: [String: [Pending]]

    /// A key as read: its converted value, or why it has none (`problem`, e.g. "holds a date").
    private struct Pending: Sendable {
        let key: String
        let line: Int?
        let value: GridValue?
        let problem: String?
    }

    private struct Unreadable: Error {
        let problem: String
    }

    /// Parses `text` with TOMLKit and converts every value; nothing of TOMLKit is kept.
    public init(_ text: String, path: String) throws {
        self.path = path
        // TOMLKit hands the text to C++ as a C string: a NUL byte would silently end the file
        if let nul = text.firstIndex(of: "\0") {
            let line = text[..<nul].reduce(1) { KeyLines.isLineBreak($1) ? $0 + 1 : $0 }
            throw GridFileError("\(path):\(line): NUL byte (a grid file is TOML text)")
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw GridFileError("\(path):\(e.source.begin.line):\(e.source.begin.column): \(e.description)")
        }
        let lines = KeyLines(text)
        var tables: [Table] = [], top: [(key: String, value: TOMLValueConvertible)] = []
        var sections: [String: [Pending]] = [:]
        for (key, value) in try Self.keys(of: root, path: path) {
            if let table = value.table {
                tables.append(Table(name: key, isArrayOfTables: false, line: lines.header[key]))
                sections[key] = Self.pending(try Self.keys(of: table, path: path), lines: lines.keys[key] ?? [:])
            } else if let a = value.array, !a.isEmpty, a.allSatisfy({ $0.type == .table }) {
                tables.append(Table(name: key, isArrayOfTables: true, line: lines.header["[" + key + "]"]))
            } else {
                top.append((key, value))
            }
        }
        self.tables = Self.inFileOrder(tables, line: \.line)
        self.top = Self.pending(top, lines: lines.keys[""] ?? [:])
        self.sections = sections
    }

    /// `path:line`, or `path` when the line is not known.
    public func location(_ line: Int?) -> String { line.map { "\(path):\($0)" } ?? path }

    /// The keys of the top level (`table` nil; its tables left out) or of a top-level table, in
    /// file order. A value a grid cannot hold (a date, a table, a NaN…) is an error that names
    /// the key by `label(key)`.
    public func entries(in table: String?, label: (String) -> String) throws -> [Entry] {
        let keys = table.map { sections[$0] ?? [] } ?? top
        return try keys.map { p in
            guard let value = p.value else { throw GridFileError("\(location(p.line)): \(label(p.key)) \(p.problem ?? "")") }
            return Entry(key: p.key, value: value, line: p.line)
        }
    }

    /// A table's keys and values. Not TOMLKit's iterator: it looks each key up again by its C
    /// string and force-unwraps, which traps on a key holding a NUL (`"a\u0000b" = 1`); here
    /// such a key (cut short at the NUL, so not found again) is an error.
    private static func keys(of table: TOMLTable, path: String) throws -> [(key: String, value: TOMLValueConvertible)] {
        let keys = table.keys
        guard Set(keys).count == keys.count else { throw GridFileError("\(path): a key holds a NUL character (\\u0000)") }
        return try keys.map { key in
            guard let value = table[key] else { throw GridFileError("\(path): a key holds a NUL character (\\u0000)") }
            return (key, value)
        }
    }

    private static func pending(_ keys: [(key: String, value: TOMLValueConvertible)], lines: [String: Int]) -> [Pending] {
        inFileOrder(keys.map { key, value in
            do {
                return Pending(key: key, line: lines[key], value: try convert(value), problem: nil)
            } catch {
                return Pending(key: key, line: lines[key], value: nil, problem: (error as? Unreadable)?.problem)
            }
        }, line: \.line)
    }

    /// Sorted by line; those without a line after the others, in TOMLKit's order (by key).
    private static func inFileOrder<T>(_ items: [T], line: (T) -> Int?) -> [T] {
        items.enumerated().sorted { (line($0.element) ?? .max, $0.offset) < (line($1.element) ?? .max, $1.offset) }.map(\.element)
    }

    private static func convert(_ value: TOMLValueConvertible) throws -> GridValue {
        switch value.type {
        case .int: return .integer(value.int!)
        case .double:
            let d = value.double!
            guard d.isFinite else { throw Unreadable(problem: "is \(d) (numbers must be finite)") }
            return .float(d)
        case .string: return .string(value.string!)
        case .bool: return .boolean(value.bool!)
        case .array: return .array(try value.array!.map(convert))
        case .table, .date, .time, .dateTime:
            throw Unreadable(problem: "holds a \(value.type) (grid values are integers, floats, strings, booleans and arrays of those)")
        }
    }
}

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
