/// How well a predicted lagged graph (and the scores behind it) recovers a true one.
///
/// Definitions:
/// - `lagged` compares (source, target, lag) triples; `summary` compares source → target pairs
///   (an edge at any lag). The `…NoSelf` variants first drop every edge with source == target
///   from both the prediction and the truth.
/// - SHD (structural Hamming distance) is the number of single-edge insertions and deletions
///   that turn the prediction into the truth. Every candidate edge is a distinct directed item,
///   so SHD = FP + FN. In the summary graph a reversed pair (predicted i → j, true j → i) counts
///   2: one deletion and one insertion (no "reversal" move).
/// - AUROC / AUPRC rank candidates by score, independent of the binarisation:
///   lagged over all L·p·p candidates (score S[ℓ, j, i]); summary over all p·p ordered pairs,
///   self-pairs included, scored by the max over lags. A true lagged edge with lag > L cannot be
///   scored: it is counted as an extra positive with score −∞ (it ranks below every candidate,
///   so it costs recall). NaN scores also count as −∞.
///   AUROC is the Mann–Whitney statistic with average ranks for ties (a tied positive/negative
///   pair counts ½). AUPRC is average precision as in scikit-learn:
///   AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ over the distinct score thresholds taken in descending order.
///   Both are nil when there are no positives or no negatives.
public struct Evaluation: Codable, Equatable, Sendable {
    public var lagged: EdgeMetrics, summary: EdgeMetrics
    public var laggedNoSelf: EdgeMetrics, summaryNoSelf: EdgeMetrics
    public var shdLagged: Int, shdSummary: Int, shdLaggedNoSelf: Int, shdSummaryNoSelf: Int
    public var aurocLagged: Double?, auprcLagged: Double?
    public var aurocSummary: Double?, auprcSummary: Double?
    /// True lagged edges whose lag exceeds the score tensor's max lag (unscorable positives).
    public var truthBeyondMaxLag: Int
    /// The oracle binarization: per target, its true number of lagged parents taken from the top
    /// of its scores (lagged), and its true number of summary parents from the top of its
    /// max-over-lag scores (summary). Separates ranking quality from the choice of k.
    public var oracleLagged: EdgeMetrics, oracleSummary: EdgeMetrics

    public static func evaluate(predicted: [LaggedEdge], scores: ScoreTensor, truth: [LaggedEdge]) -> Evaluation {
        let noSelfPredicted = predicted.filter { $0.source != $0.target }
        let noSelfTruth = truth.filter { $0.source != $0.target }
        let lagged = EdgeMetrics.lagged(predicted: predicted, truth: truth)
        let summary = EdgeMetrics.summary(predicted: predicted, truth: truth)
        let laggedNoSelf = EdgeMetrics.lagged(predicted: noSelfPredicted, truth: noSelfTruth)
        let summaryNoSelf = EdgeMetrics.summary(predicted: noSelfPredicted, truth: noSelfTruth)

        // Lagged ranking: every candidate, plus unscorable true edges at −∞.
        let p = scores.variables, L = scores.maxLag
        let truthSet = Set(truth)
        var laggedScores: [Double] = []
        var laggedLabels: [Bool] = []
        laggedScores.reserveCapacity(L * p * p)
        laggedLabels.reserveCapacity(L * p * p)
        for lag in 1...L {
            for source in 0..<p {
                for target in 0..<p {
                    laggedScores.append(rankScore(scores[lag, source, target]))
                    laggedLabels.append(truthSet.contains(LaggedEdge(source: source, target: target, lag: lag)))
                }
            }
        }
        let beyond = truthSet.filter { $0.lag > L }.count
        for _ in 0..<beyond {
            laggedScores.append(-.infinity)
            laggedLabels.append(true)
        }
        // Summary ranking: p·p pairs scored by the max over lags.
        let summaryTruth = Set(truth.map(\.summary))
        let summaryValues = scores.summary()
        var summaryScores: [Double] = []
        var summaryLabels: [Bool] = []
        for source in 0..<p {
            for target in 0..<p {
                summaryScores.append(rankScore(summaryValues[source * p + target]))
                summaryLabels.append(summaryTruth.contains(SummaryEdge(source: source, target: target)))
            }
        }
        return Evaluation(
            lagged: lagged, summary: summary, laggedNoSelf: laggedNoSelf, summaryNoSelf: summaryNoSelf,
            shdLagged: lagged.shd, shdSummary: summary.shd,
            shdLaggedNoSelf: laggedNoSelf.shd, shdSummaryNoSelf: summaryNoSelf.shd,
            aurocLagged: Ranking.auroc(scores: laggedScores, labels: laggedLabels),
            auprcLagged: Ranking.averagePrecision(scores: laggedScores, labels: laggedLabels),
            aurocSummary: Ranking.auroc(scores: summaryScores, labels: summaryLabels),
            auprcSummary: Ranking.averagePrecision(scores: summaryScores, labels: summaryLabels),
            truthBeyondMaxLag: beyond,
            oracleLagged: oracleLagged(scores, truth), oracleSummary: oracleSummary(scores, truth))
    }

    private static func oracleLagged(_ s: ScoreTensor, _ truth: [LaggedEdge]) -> EdgeMetrics {
        var k = [Int](repeating: 0, count: s.variables)
        for e in Set(truth) { k[e.target] += 1 }
        return EdgeMetrics.lagged(predicted: Binarizer.rowTopK(s, perTarget: k), truth: truth)
    }

    private static func oracleSummary(_ s: ScoreTensor, _ truth: [LaggedEdge]) -> EdgeMetrics {
        let p = s.variables
        var k = [Int](repeating: 0, count: p)
        for e in Set(truth.map(\.summary)) { k[e.target] += 1 }
        // a one-lag tensor of the max-over-lag scores: its top-k per target are summary edges
        let summary = ScoreTensor(maxLag: 1, variables: p, values: s.summary())
        return EdgeMetrics.summary(predicted: Binarizer.rowTopK(summary, perTarget: k), truth: truth)
    }

    private static func rankScore(_ v: Float) -> Double { v.isNaN ? -.infinity : Double(v) }

    private enum CodingKeys: String, CodingKey {
        case lagged, summary, laggedNoSelf, summaryNoSelf
        case shdLagged, shdSummary, shdLaggedNoSelf, shdSummaryNoSelf
        case aurocLagged, auprcLagged, aurocSummary, auprcSummary, truthBeyondMaxLag
        case oracleLagged, oracleSummary
    }

    private enum VersionKey: String, CodingKey { case schemaVersion }

    /// Like the synthesized encoding, except that absent AUROC/AUPRC are written as null
    /// (so every metrics.json has the same keys) and `schemaVersion` (`GraphWriter.schemaVersion`)
    /// is added. metrics.json converts the keys to snake_case (`jsonData()`).
    public func encode(to encoder: Encoder) throws {
        var v = encoder.container(keyedBy: VersionKey.self)
        try v.encode(GraphWriter.schemaVersion, forKey: .schemaVersion)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lagged, forKey: .lagged)
        try c.encode(summary, forKey: .summary)
        try c.encode(laggedNoSelf, forKey: .laggedNoSelf)
        try c.encode(summaryNoSelf, forKey: .summaryNoSelf)
        try c.encode(shdLagged, forKey: .shdLagged)
        try c.encode(shdSummary, forKey: .shdSummary)
        try c.encode(shdLaggedNoSelf, forKey: .shdLaggedNoSelf)
        try c.encode(shdSummaryNoSelf, forKey: .shdSummaryNoSelf)
        try c.encode(aurocLagged, forKey: .aurocLagged)
        try c.encode(auprcLagged, forKey: .auprcLagged)
        try c.encode(aurocSummary, forKey: .aurocSummary)
        try c.encode(auprcSummary, forKey: .auprcSummary)
        try c.encode(truthBeyondMaxLag, forKey: .truthBeyondMaxLag)
        try c.encode(oracleLagged, forKey: .oracleLagged)
        try c.encode(oracleSummary, forKey: .oracleSummary)
    }
}

/// Threshold-free ranking metrics of scores against binary labels.
public enum Ranking {
    /// Area under the ROC curve = P(score of a random positive > score of a random negative),
    /// ties counting ½; computed as the Mann–Whitney U with average ranks:
    /// AUROC = (Σ ranks of positives − n₊(n₊+1)/2) / (n₊·n₋). nil without positives or negatives.
    /// Scores must not be NaN (−∞ and +∞ are fine).
    public static func auroc(scores: [Double], labels: [Bool]) -> Double? {
        precondition(scores.count == labels.count, "auroc: \(scores.count) scores for \(labels.count) labels")
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
            // Positions start..<end (0-based) share the average 1-based rank.
            let averageRank = Double(start + 1 + end) / 2
            for k in start..<end where labels[order[k]] { rankSum += averageRank }
            start = end
        }
        let n1 = Double(positives)
        return (rankSum - n1 * (n1 + 1) / 2) / (n1 * Double(negatives))
    }

    /// Average precision (scikit-learn's `average_precision_score`): walk the distinct scores
    /// from high to low; at each threshold t, precision Pₜ and recall Rₜ count every item with
    /// score ≥ t; AP = Σ (Rₜ − Rₜ₋₁)·Pₜ with R₀ = 0. nil without positives or negatives.
    public static func averagePrecision(scores: [Double], labels: [Bool]) -> Double? {
        precondition(scores.count == labels.count, "averagePrecision: \(scores.count) scores for \(labels.count) labels")
        let positives = labels.filter { $0 }.count
        guard positives > 0, positives < labels.count else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0, seen = 0
        var previousRecall = 0.0
        var ap = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end < order.count && scores[order[end]] == scores[order[start]] {
                if labels[order[end]] { tp += 1 }
                end += 1
            }
            seen = end
            let recall = Double(tp) / Double(positives)
            ap += (recall - previousRecall) * Double(tp) / Double(seen)
            previousRecall = recall
            start = end
        }
        return ap
    }
}
