import Foundation

/// One provenance value of a run: text (paths, the command, a version), an integer (seed,
/// steps, ranks, threads) or a number (seconds, rounded to 0.01 s). graph.json writes numbers
/// as JSON numbers and text as strings; the report shows `description`.
public enum ProvenanceValue: Equatable, Sendable, CustomStringConvertible,
                            ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    case text(String)
    case integer(Int)
    case number(Double)

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }

    /// A seed or count: an integer when it fits in Int, else its decimal text.
    public static func count<T: BinaryInteger>(_ v: T) -> ProvenanceValue {
        Int(exactly: v).map(ProvenanceValue.integer) ?? .text(String(v))
    }

    /// A duration in seconds, rounded to 0.01 s.
    public static func seconds(_ s: Double) -> ProvenanceValue { .number((s * 100).rounded() / 100) }

    public var description: String {
        switch self {
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .number(let d): return String(d)
        }
    }

    /// The JSON value: a string or a number (non-finite numbers as null).
    var jsonObject: Any {
        switch self {
        case .text(let s): return s
        case .integer(let i): return i
        case .number(let d): return d.isFinite ? d : NSNull()
        }
    }

    /// Reads back a JSON value written by `jsonObject` (strings, integers, other numbers).
    init?(json: Any) {
        if let s = json as? String { self = .text(s); return }
        if let i = json as? Int { self = .integer(i); return }
        guard let d = json as? Double else { return nil }
        self = .number(d)
    }
}

/// Where a run came from: key → value, e.g. `"seed": 0`, `"data": "my.csv"`, `"training_s": 12.5`.
public typealias Provenance = [String: ProvenanceValue]
