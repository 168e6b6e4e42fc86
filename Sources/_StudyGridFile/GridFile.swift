// Reading a study grid file with TOMLKit, in a module of its own: TOMLKit extends Array,
// Dictionary, String, Double, Bool and Data with TOML accessors (`int`, `string`, an Int
// subscript, …) that change how ordinary expressions type-check wherever TOMLKit is loaded
// (`[1, x[t]]` became `[Any]` in our tests). An `internal import` in Causeway was not enough:
// clients of a module built without library evolution (our `@testable` tests) still load its
// internal imports. This module is built with library evolution (Package.swift), imports
// TOMLKit `internal`, and has no TOMLKit type in its interface or stored properties, so TOMLKit
// is never loaded by Causeway or by anything that imports Causeway.
internal import TOMLKit

/// A grid file that is not valid TOML, or holds a value a grid cannot use. `message` starts with
/// `path:line:column:` or `path:line:` when the place is known, else with `path:`.
public struct GridFileError: Error, Sendable {
    public let message: String
    init(_ message: String) { self.message = message }
}

/// A study grid file parsed by TOMLKit (any TOML 1.0 document), with the line of each key.
///
/// TOMLKit reports where a syntax error is (`path:line:column: message`) but not where a key
/// is, and its tables come back in key order, not file order. Lines come from a small lookup in
/// the source text (`KeyLines`): a key's line is the first line of its table's section whose
/// trimmed text starts with the key followed by optional spaces and `=`. Keys it cannot place (dotted
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
        // inputs on which TOMLKit would stop the process instead of throwing (all invalid TOML)
        try TOMLPreflight.check(text, path: path)
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
