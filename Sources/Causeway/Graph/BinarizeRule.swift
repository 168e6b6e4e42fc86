import Foundation

/// How a score tensor is turned into edges (the `--binarize` flag).
///
/// Spellings (also what `description` gives back):
/// - `row-topk:K`   — for every target, its K best (source, lag) candidates (K ≥ 1);
/// - `global-topk:K` — the K best candidates over the whole tensor (K ≥ 1);
/// - `threshold:T`  — every candidate with score ≥ T (T finite);
/// - `auto`         — `Binarizer.auto`, a per-target cut at the largest gap in log-score.
public enum BinarizeRule: Equatable, Sendable, CustomStringConvertible {
    case rowTopK(Int)
    case globalTopK(Int)
    case threshold(Float)
    case auto

    /// Parses one of the spellings above (case-sensitive, surrounding spaces ignored).
    /// - Throws: `CausewayError` naming `--binarize` and the bad value.
    public init(parsing text: String) throws {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s == "auto" { self = .auto; return }
        let parts = s.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let expected = "expected row-topk:K, global-topk:K (integer K ≥ 1), threshold:T (finite number) or auto"
        guard parts.count == 2 else {
            throw CausewayError("--binarize: '\(text)' is not a rule; \(expected)")
        }
        let (name, value) = (parts[0], parts[1])
        switch name {
        case "row-topk", "global-topk":
            guard let k = Int(value), k >= 1 else {
                throw CausewayError("--binarize: '\(text)': K must be an integer ≥ 1, found '\(value)'")
            }
            self = name == "row-topk" ? .rowTopK(k) : .globalTopK(k)
        case "threshold":
            guard let t = Float(value), t.isFinite else {
                throw CausewayError("--binarize: '\(text)': T must be a finite number, found '\(value)'")
            }
            self = .threshold(t)
        default:
            throw CausewayError("--binarize: '\(text)' is not a rule; \(expected)")
        }
    }

    public var description: String {
        switch self {
        case .rowTopK(let k): return "row-topk:\(k)"
        case .globalTopK(let k): return "global-topk:\(k)"
        case .threshold(let t): return "threshold:\(t)"
        case .auto: return "auto"
        }
    }
}
