import Foundation

extension Binarizer {
    /// A data-driven cut with no parameter (the `auto` rule).
    ///
    /// For every target separately:
    /// 1. take its n = L·p candidate scores S[ℓ, j, target] (NaN skipped) and sort them
    ///    descending (ties: lower lag, then lower source), giving s₁ ≥ s₂ ≥ … ≥ sₙ;
    /// 2. map each to log(max(s, ε)) with ε = `Float.leastNormalMagnitude` (so zero and negative
    ///    scores become a very low, finite log-score);
    /// 3. keep the top k, where k ∈ 1...m, m = min(n − 1, 2p), maximises the gap
    ///    log sₖ − log sₖ₊₁ (ties: the smaller k). With n = 1 the single candidate is kept.
    ///
    /// So every target gets at least one parent and at most 2p. The rule is a heuristic that
    /// the lead may replace after measuring; it lives in this one file.
    public static func auto(_ s: ScoreTensor) -> [LaggedEdge] {
        var edges: [LaggedEdge] = []
        let p = s.variables
        for target in 0..<p {
            var row: [(score: Float, edge: LaggedEdge)] = []
            row.reserveCapacity(s.maxLag * p)
            for lag in 1...s.maxLag {
                for source in 0..<p {
                    let v = s[lag, source, target]
                    if !v.isNaN { row.append((v, LaggedEdge(source: source, target: target, lag: lag))) }
                }
            }
            guard !row.isEmpty else { continue }
            row.sort { a, b in
                if a.score != b.score { return a.score > b.score }
                return (a.edge.lag, a.edge.source) < (b.edge.lag, b.edge.source)
            }
            let k = largestLogGapCut(row.map(\.score), maxKeep: 2 * p)
            edges.append(contentsOf: row.prefix(k).map(\.edge))
        }
        return edges.sorted()
    }

    /// For scores sorted descending: the k in 1...min(n − 1, maxKeep) with the largest
    /// log-gap log sₖ − log sₖ₊₁ (first such k on ties); 1 when n ≤ 1 or the range is empty.
    static func largestLogGapCut(_ sorted: [Float], maxKeep: Int) -> Int {
        let m = min(sorted.count - 1, maxKeep)
        guard m >= 1 else { return min(1, sorted.count) }
        let floor = Double(Float.leastNormalMagnitude)
        func logScore(_ v: Float) -> Double { Foundation.log(max(Double(v), floor)) }
        var best = 1
        var bestGap = -Double.infinity
        for k in 1...m {
            let gap = logScore(sorted[k - 1]) - logScore(sorted[k])
            if gap > bestGap {
                bestGap = gap
                best = k
            }
        }
        return best
    }
}
