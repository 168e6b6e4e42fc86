import Foundation

/// How a score tensor is turned into edges (the `--binarize` flag).
///
/// Spellings (also what `description` gives back):
/// - `row-topk:K`   — for every target, its K best (source, lag) candidates (K ≥ 1);
/// - `global-topk:K` — the K best candidates over the whole tensor (K ≥ 1);
/// - `threshold:T`  — every candidate with score ≥ T (T finite);
/// - `auto`         — `Binarizer.auto`, one Otsu split of all scores (no error control);
/// - `fdr:Q`        — every candidate whose q-value (Benjamini–Hochberg, or Benjamini–Yekutieli
///                    with `--fdr-method by`, over all L·p·p candidates) is ≤ Q, 0 < Q < 1:
///                    the expected share of false edges among the reported ones is at most Q;
/// - `pvalue:A`     — every candidate whose p-value is ≤ A, 0 < A < 1 (no multiple-testing
///                    correction: about A·L·p·p false edges expected on pure noise).
/// The last two need the per-candidate p-values of `PredictiveImpact`.
public enum BinarizeRule: Equatable, Sendable, CustomStringConvertible {
    case rowTopK(Int)
    case globalTopK(Int)
    case threshold(Float)
    case auto
    case fdr(Double)
    case pValue(Double)

    /// The rule every run uses unless told otherwise.
    public static let `default` = BinarizeRule.fdr(0.05)

    /// Whether the rule decides on p-values (else on scores alone).
    public var usesPValues: Bool {
        switch self {
        case .fdr, .pValue: return true
        default: return false
        }
    }

    /// Parses one of the spellings above (case-sensitive, surrounding spaces ignored).
    /// - Throws: `CausewayError` naming `--binarize` and the bad value.
    public init(parsing text: String) throws {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s == "auto" { self = .auto; return }
        let parts = s.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let expected = "expected fdr:Q or pvalue:A (0 < Q, A < 1), row-topk:K, global-topk:K (integer K ≥ 1), threshold:T (finite number) or auto"
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
        case "fdr", "pvalue":
            guard let a = Double(value), a > 0, a < 1 else {
                throw CausewayError("--binarize: '\(text)': \(name == "fdr" ? "the FDR level Q" : "the significance level A") must be a number strictly between 0 and 1 (e.g. \(name):0.05), found '\(value)'")
            }
            self = name == "fdr" ? .fdr(a) : .pValue(a)
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
        case .fdr(let q): return "fdr:\(q)"
        case .pValue(let a): return "pvalue:\(a)"
        }
    }
}
