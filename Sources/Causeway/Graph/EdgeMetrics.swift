/// Precision, recall and F1 of a predicted edge set against the true one.
///
/// Edges are compared as sets (duplicates count once).
/// precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2·P·R / (P + R);
/// every 0/0 is defined as 0 (so an empty prediction has precision 0, an empty truth recall 0,
/// and two empty sets give P = R = F1 = 0).
public struct EdgeMetrics: Codable, Equatable, Sendable {
    public let truePositives: Int, falsePositives: Int, falseNegatives: Int
    public let precision: Double, recall: Double, f1: Double

    public init(truePositives: Int, falsePositives: Int, falseNegatives: Int) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        let p = ratio(truePositives, truePositives + falsePositives)
        let r = ratio(truePositives, truePositives + falseNegatives)
        precision = p
        recall = r
        f1 = p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    /// The ratios where they are defined, nil for 0/0 (what the terminal and the report print
    /// as "n/a"): precision without reported edges, recall without true edges, F1 when both
    /// are undefined.
    public var definedPrecision: Double? { truePositives + falsePositives == 0 ? nil : precision }
    public var definedRecall: Double? { truePositives + falseNegatives == 0 ? nil : recall }
    public var definedF1: Double? { definedPrecision == nil && definedRecall == nil ? nil : f1 }

    /// Structural Hamming distance: every candidate edge is a distinct directed item, so the
    /// insertions and deletions that turn the prediction into the truth are FP + FN.
    public var shd: Int { falsePositives + falseNegatives }

    /// Compares (source, target, lag) triples.
    public static func lagged(predicted: [LaggedEdge], truth: [LaggedEdge]) -> EdgeMetrics {
        compare(Set(predicted), Set(truth))
    }

    /// Compares source → target pairs, ignoring lag (the summary graph).
    public static func summary(predicted: [LaggedEdge], truth: [LaggedEdge]) -> EdgeMetrics {
        compare(Set(predicted.map(\.summary)), Set(truth.map(\.summary)))
    }

    private static func compare<E: Hashable>(_ predicted: Set<E>, _ truth: Set<E>) -> EdgeMetrics {
        let tp = predicted.intersection(truth).count
        return EdgeMetrics(truePositives: tp, falsePositives: predicted.count - tp,
                           falseNegatives: truth.count - tp)
    }
}
