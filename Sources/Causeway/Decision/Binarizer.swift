/// Turns a score tensor into a set of lagged edges.
///
/// Every rule ranks candidates by score (higher first); ties go to the lower lag, then the lower
/// source (then, for `globalTopK`, the lower target), so results are deterministic.
/// NaN scores are never selected. Results are sorted by `LaggedEdge`'s order (target, source, lag).
public enum Binarizer {
    /// Applies `rule` to `s`: the explicit rules call `rowTopK`, `globalTopK` and `threshold`;
    /// `.auto` calls `Binarizer.auto` (AutoBinarizer.swift) with `autoExponent`, the power that
    /// brings the scores to the scale of |relevance| (½ for squared quantities).
    /// - Precondition: `rule` decides on scores (`!rule.usesPValues`; see `Decision` for the
    ///   p-value rules).
    public static func apply(_ rule: BinarizeRule, to s: ScoreTensor, autoExponent: Float = 1) -> [LaggedEdge] {
        switch rule {
        case .rowTopK(let k): return rowTopK(s, k: k)
        case .globalTopK(let k): return globalTopK(s, k: k)
        case .threshold(let t): return threshold(s, t)
        case .auto: return auto(s, exponent: autoExponent)
        case .fdr, .pValue: preconditionFailure("Binarizer.apply: \(rule) needs p-values (use Decision.make)")
        }
    }

    /// For every target: the `k` highest-scoring (source, lag) candidates
    /// (ties broken by lower lag, then lower source). `k ≤ 0` gives no edges; `k` larger than
    /// `maxLag * p` selects every non-NaN candidate.
    public static func rowTopK(_ s: ScoreTensor, k: Int) -> [LaggedEdge] {
        guard k > 0 else { return [] }
        return rowTopK(s, perTarget: [Int](repeating: k, count: s.variables))
    }

    /// Per-target top-k with a different k for every target (`perTarget[i]` edges into i).
    public static func rowTopK(_ s: ScoreTensor, perTarget: [Int]) -> [LaggedEdge] {
        var edges: [LaggedEdge] = []
        for target in 0..<s.variables {
            let k = perTarget[target]
            guard k > 0 else { continue }
            var row: [(score: Float, edge: LaggedEdge)] = []
            row.reserveCapacity(s.maxLag * s.variables)
            for lag in 1...s.maxLag {
                for source in 0..<s.variables {
                    let v = s[lag, source, target]
                    if !v.isNaN { row.append((v, LaggedEdge(source: source, target: target, lag: lag))) }
                }
            }
            row.sort(by: ranksBefore)
            edges.append(contentsOf: row.prefix(k).map(\.edge))
        }
        return edges.sorted()
    }

    /// The `k` highest-scoring (source, target, lag) candidates over the whole tensor.
    public static func globalTopK(_ s: ScoreTensor, k: Int) -> [LaggedEdge] {
        guard k > 0 else { return [] }
        var all: [(score: Float, edge: LaggedEdge)] = []
        all.reserveCapacity(s.values.count)
        for lag in 1...s.maxLag {
            for source in 0..<s.variables {
                for target in 0..<s.variables {
                    let v = s[lag, source, target]
                    if !v.isNaN { all.append((v, LaggedEdge(source: source, target: target, lag: lag))) }
                }
            }
        }
        all.sort(by: ranksBefore)
        return all.prefix(k).map(\.edge).sorted()
    }

    /// Every candidate with score ≥ `t`.
    public static func threshold(_ s: ScoreTensor, _ t: Float) -> [LaggedEdge] {
        var edges: [LaggedEdge] = []
        for lag in 1...s.maxLag {
            for source in 0..<s.variables {
                for target in 0..<s.variables where s[lag, source, target] >= t {
                    edges.append(LaggedEdge(source: source, target: target, lag: lag))
                }
            }
        }
        return edges.sorted()
    }

    /// Ranking order: higher score, then lower lag, lower source, lower target.
    private static func ranksBefore(_ a: (score: Float, edge: LaggedEdge),
                                    _ b: (score: Float, edge: LaggedEdge)) -> Bool {
        if a.score != b.score { return a.score > b.score }
        return (a.edge.lag, a.edge.source, a.edge.target) < (b.edge.lag, b.edge.source, b.edge.target)
    }
}
