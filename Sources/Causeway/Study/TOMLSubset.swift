import Foundation

/// A value of the TOML subset that study grids use.
public enum TOMLValue: Equatable, Sendable {
    case integer(Int)
    case float(Double)
    case string(String)
    case boolean(Bool)
    case array([TOMLValue])

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

/// The subset of TOML a study grid needs: `# comments`, `key = value` lines, `[table]`
/// headers (one level), and values that are integers (`1_000` allowed), floats, "strings"
/// (with \" and \\ escapes), booleans, or arrays of those (which may span lines and end with
/// a trailing comma).
/// Errors name the file and line.
public enum TOMLSubset {
    /// Keys of the top level under "", a table's keys under its name. Each key keeps its line.
    public struct Document: Sendable {
        public var tables: [String: [String: (value: TOMLValue, line: Int)]] = ["": [:]]
    }

    public static func parse(_ text: String, path: String) throws -> Document {
        var doc = Document()
        var table = ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var i = 0
        while i < lines.count {
            let lineNumber = i + 1
            var line = stripComment(lines[i]).trimmingCharacters(in: .whitespaces)
            i += 1
            if line.isEmpty { continue }
            if line.hasPrefix("[") && !line.contains("=") {
                guard line.hasSuffix("]"), line.count > 2 else { throw CausewayError("\(path):\(lineNumber): malformed table header '\(line)'") }
                table = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                guard isBareKey(table) else { throw CausewayError("\(path):\(lineNumber): bad table name '\(table)'") }
                guard doc.tables[table] == nil else { throw CausewayError("\(path):\(lineNumber): table [\(table)] defined twice") }
                doc.tables[table] = [:]
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw CausewayError("\(path):\(lineNumber): expected 'key = value', got '\(line)'")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            guard isBareKey(key) else { throw CausewayError("\(path):\(lineNumber): bad key '\(key)' (letters, digits, _ and - only)") }
            var valueText = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            // an array may continue over the next lines until its brackets balance
            while valueText.hasPrefix("[") && bracketDepth(valueText) > 0 {
                guard i < lines.count else { throw CausewayError("\(path):\(lineNumber): array of '\(key)' is never closed") }
                valueText += " " + stripComment(lines[i]).trimmingCharacters(in: .whitespaces)
                i += 1
            }
            line = valueText
            var parser = ValueParser(chars: Array(line), path: path, line: lineNumber)
            let value = try parser.parseValue()
            parser.skipSpaces()
            guard parser.atEnd else { throw CausewayError("\(path):\(lineNumber): unexpected text after the value of '\(key)'") }
            guard doc.tables[table]![key] == nil else { throw CausewayError("\(path):\(lineNumber): key '\(key)' given twice") }
            doc.tables[table]![key] = (value, lineNumber)
        }
        return doc
    }

    static func isBareKey(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }

    /// The line up to a `#` that is not inside a string.
    static func stripComment(_ line: String) -> String {
        var inString = false, escaped = false
        for (k, c) in line.enumerated() {
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" {
                inString = true
            } else if c == "#" {
                return String(line.prefix(k))
            }
        }
        return line
    }

    static func bracketDepth(_ s: String) -> Int {
        var depth = 0, inString = false, escaped = false
        for c in s {
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" { inString = true } else if c == "[" { depth += 1 } else if c == "]" { depth -= 1 }
        }
        return depth
    }

    struct ValueParser {
        let chars: [Character]
        let path: String
        let line: Int
        var k = 0

        var atEnd: Bool { k >= chars.count }

        mutating func skipSpaces() { while k < chars.count && chars[k].isWhitespace { k += 1 } }

        func fail(_ message: String) -> CausewayError { CausewayError("\(path):\(line): \(message)") }

        mutating func parseValue() throws -> TOMLValue {
            skipSpaces()
            guard k < chars.count else { throw fail("missing value") }
            switch chars[k] {
            case "[":
                k += 1
                var items: [TOMLValue] = []
                while true {
                    skipSpaces()
                    guard k < chars.count else { throw fail("array is never closed") }
                    if chars[k] == "]" { k += 1; break }
                    items.append(try parseValue())
                    skipSpaces()
                    guard k < chars.count else { throw fail("array is never closed") }
                    if chars[k] == "," { k += 1 } else if chars[k] != "]" { throw fail("expected ',' or ']' in an array") }
                }
                return .array(items)
            case "\"":
                k += 1
                var s = ""
                while k < chars.count && chars[k] != "\"" {
                    if chars[k] == "\\" {
                        k += 1
                        guard k < chars.count else { break }
                        switch chars[k] {
                        case "n": s.append("\n")
                        case "t": s.append("\t")
                        case "\"", "\\": s.append(chars[k])
                        default: throw fail("unsupported escape \\\(chars[k]) in a string")
                        }
                    } else {
                        s.append(chars[k])
                    }
                    k += 1
                }
                guard k < chars.count else { throw fail("string is never closed") }
                k += 1
                return .string(s)
            default:
                let start = k
                while k < chars.count && !chars[k].isWhitespace && chars[k] != "," && chars[k] != "]" { k += 1 }
                let word = String(chars[start..<k])
                if word == "true" { return .boolean(true) }
                if word == "false" { return .boolean(false) }
                let digits = word.replacingOccurrences(of: "_", with: "")
                if let i = Int(digits) { return .integer(i) }
                if let f = Double(digits), f.isFinite { return .float(f) }
                throw fail("cannot read value '\(word)' (a number, \"string\", true/false or [array])")
            }
        }
    }
}
