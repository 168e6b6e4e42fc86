/// A value in a study grid: an item of a top-level list, or the value of a `[run]` or
/// `[baselines]` flag. Converted from the TOML value TOMLKit parsed.
public enum GridValue: Equatable, Sendable {
    case integer(Int)
    case float(Double)
    case string(String)
    case boolean(Bool)
    case array([GridValue])

    /// The value for messages: as `text`, with a string in quotes (so "500" is not read as 500).
    public var quoted: String {
        switch self {
        case .string(let s): return "\"" + s + "\""
        case .array(let a): return "[" + a.map(\.quoted).joined(separator: ", ") + "]"
        default: return text
        }
    }

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
