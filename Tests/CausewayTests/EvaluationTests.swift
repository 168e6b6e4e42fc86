import Foundation
import Testing
@testable import Causeway

@Suite struct EvaluationTests {
    static func e(_ s: Int, _ t: Int, _ l: Int) -> LaggedEdge { LaggedEdge(source: s, target: t, lag: l) }

    /// p = 3, L = 2; one true edge (0 → 0 at lag 3) lies beyond the max lag.
    @Test func handComputedCountsAndSHD() {
        let truth = [Self.e(0, 1, 1), Self.e(1, 2, 2), Self.e(2, 2, 1), Self.e(0, 0, 3)]
        let predicted = [Self.e(0, 1, 1), Self.e(0, 1, 2), Self.e(2, 1, 1), Self.e(2, 2, 1)]
        let ev = Evaluation.evaluate(predicted: predicted, scores: ScoreTensor(maxLag: 2, variables: 3), truth: truth)
        // Lagged: TP {0→1@1, 2→2@1}, FP {0→1@2, 2→1@1}, FN {1→2@2, 0→0@3}.
        #expect(ev.lagged == EdgeMetrics(truePositives: 2, falsePositives: 2, falseNegatives: 2))
        #expect(ev.shdLagged == 4)
        // Summary: predicted {0→1, 2→1, 2→2}, true {0→1, 1→2, 2→2, 0→0}.
        #expect(ev.summary == EdgeMetrics(truePositives: 2, falsePositives: 1, falseNegatives: 2))
        #expect(ev.shdSummary == 3)
        // Without self-loops: lagged predicted {0→1@1, 0→1@2, 2→1@1}, true {0→1@1, 1→2@2}.
        #expect(ev.laggedNoSelf == EdgeMetrics(truePositives: 1, falsePositives: 2, falseNegatives: 1))
        #expect(ev.shdLaggedNoSelf == 3)
        // Summary without self: predicted {0→1, 2→1}, true {0→1, 1→2}: the reversed pair costs 2.
        #expect(ev.summaryNoSelf == EdgeMetrics(truePositives: 1, falsePositives: 1, falseNegatives: 1))
        #expect(ev.shdSummaryNoSelf == 2)
        #expect(ev.truthBeyondMaxLag == 1)
    }

    /// p = 2, L = 1, S = [[0.1, 0.9], [0.4, 0.4]] (row = source); truth 0→1@1, 1→1@1, 1→0@2.
    @Test func handComputedRankingWithTiesAndUnscorableTruth() throws {
        let s = ScoreTensor(maxLag: 1, variables: 2, values: [0.1, 0.9, 0.4, 0.4])
        let truth = [Self.e(0, 1, 1), Self.e(1, 1, 1), Self.e(1, 0, 2)]
        let ev = Evaluation.evaluate(predicted: [], scores: s, truth: truth)
        // Lagged positives 0.9, 0.4, −∞ (lag 2 > L); negatives 0.1, 0.4.
        // Pairs won: 0.9 → 2, 0.4 → 1 + ½ (tie), −∞ → 0: 3.5 / 6.
        #expect(isClose(try #require(ev.aurocLagged), 3.5 / 6, rel: 1e-12, abs: 0))
        // AP: t = 0.9 (R 1/3, P 1) + t = 0.4 (R 2/3, P 2/3) + t = 0.1 (no recall gain) + t = −∞ (R 1, P 3/5).
        #expect(isClose(try #require(ev.auprcLagged), 1.0 / 3 + 2.0 / 9 + 1.0 / 5, rel: 1e-12, abs: 0))
        // Summary: positives 0→1 (0.9), 1→1 (0.4), 1→0 (0.4); negative 0→0 (0.1).
        #expect(ev.aurocSummary == 1)
        #expect(ev.auprcSummary == 1)
    }

    @Test func summaryScoresAreTheMaxOverLags() throws {
        // p = 2, L = 2. Summary scores: 0→0 max(0.1, 0.2) = 0.2, 0→1 max(0.3, 0.05) = 0.3,
        // 1→0 max(0.6, 0.0) = 0.6, 1→1 max(0.0, 0.7) = 0.7. Truth 1→0, 0→1.
        let s = ScoreTensor(maxLag: 2, variables: 2, values: [0.1, 0.3, 0.6, 0.0, 0.2, 0.05, 0.0, 0.7])
        let ev = Evaluation.evaluate(predicted: [], scores: s, truth: [Self.e(1, 0, 2), Self.e(0, 1, 1)])
        // Positives 0.6, 0.3; negatives 0.7, 0.2 → pairs won: 0.6 → 1, 0.3 → 1 → 2/4.
        #expect(ev.aurocSummary == 0.5)
        // Descending 0.7 (N), 0.6 (P), 0.3 (P), 0.2 (N): AP = ½·½ + ½·⅔.
        #expect(isClose(try #require(ev.auprcSummary), 0.25 + 1.0 / 3, rel: 1e-12, abs: 0))
    }

    @Test func rankingUndefinedWithoutPositivesOrNegatives() {
        let s = ScoreTensor(maxLag: 1, variables: 1, values: [0.5])
        let none = Evaluation.evaluate(predicted: [], scores: s, truth: [])
        #expect(none.aurocLagged == nil && none.auprcLagged == nil && none.aurocSummary == nil && none.auprcSummary == nil)
        let all = Evaluation.evaluate(predicted: [], scores: s, truth: [Self.e(0, 0, 1)])
        #expect(all.aurocLagged == nil && all.auprcSummary == nil)
        #expect(Ranking.auroc(scores: [1, 2], labels: [false, false]) == nil)
        #expect(Ranking.averagePrecision(scores: [1, 2], labels: [true, true]) == nil)
    }

    @Test func rankingHandCases() throws {
        // No ties: 0.9 P, 0.8 N, 0.7 P, 0.6 N → AUROC 3/4, AP 1·½ + ⅔·½.
        let s = [0.9, 0.8, 0.7, 0.6], l = [true, false, true, false]
        #expect(Ranking.auroc(scores: s, labels: l) == 0.75)
        #expect(isClose(try #require(Ranking.averagePrecision(scores: s, labels: l)), 0.5 + 1.0 / 3, rel: 1e-12, abs: 0))
        // All tied: AUROC ½, AP = prevalence.
        #expect(Ranking.auroc(scores: [1, 1, 1, 1], labels: [true, false, false, false]) == 0.5)
        #expect(Ranking.averagePrecision(scores: [1, 1, 1, 1], labels: [true, false, false, false]) == 0.25)
        // Ties across classes: P 0.5, N 0.5, N 0.2, P 0.5 → (1.5 + 1.5)/4; AP: one threshold, P = ⅔, R = 1.
        let t = [0.5, 0.5, 0.2, 0.5], tl = [true, false, false, true]
        #expect(Ranking.auroc(scores: t, labels: tl) == 0.75)
        #expect(isClose(try #require(Ranking.averagePrecision(scores: t, labels: tl)), 2.0 / 3, rel: 1e-12, abs: 0))
        // Perfectly reversed.
        #expect(Ranking.auroc(scores: [1, 2, 3], labels: [true, false, false]) == 0)
    }

    /// Independent checks on random data with many ties: AUROC by counting pairs, AP by
    /// recomputing precision and recall at every distinct threshold from scratch.
    @Test func matchesBruteForceOnRandomData() throws {
        var rng = RNG(seed: 7)
        for trial in 0..<40 {
            let n = 2 + rng.int(60)
            let levels = 1 + rng.int(12)
            var scores = (0..<n).map { _ in Double(rng.int(levels)) / Double(levels) }
            if trial % 5 == 0 { scores[0] = -.infinity }
            var labels = (0..<n).map { _ in rng.uniform() < 0.3 }
            labels[0] = true
            labels[1] = false

            var won = 0.0, pairs = 0.0
            for i in 0..<n where labels[i] {
                for j in 0..<n where !labels[j] {
                    pairs += 1
                    won += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0
                }
            }
            let auroc = try #require(Ranking.auroc(scores: scores, labels: labels))
            #expect(isClose(auroc, won / pairs, rel: 1e-12, abs: 1e-12))

            let positives = Double(labels.filter { $0 }.count)
            var ap = 0.0, previousRecall = 0.0
            for t in Set(scores).sorted(by: >) {
                let selected = (0..<n).filter { scores[$0] >= t }
                let tp = Double(selected.filter { labels[$0] }.count)
                let recall = tp / positives
                ap += (recall - previousRecall) * tp / Double(selected.count)
                previousRecall = recall
            }
            let got = try #require(Ranking.averagePrecision(scores: scores, labels: labels))
            #expect(isClose(got, ap, rel: 1e-12, abs: 1e-12))
        }
    }

    @Test func metricsJSONHasEveryKeyWithNullForUndefinedRanking() throws {
        let s = ScoreTensor(maxLag: 1, variables: 1, values: [0.5])
        let ev = Evaluation.evaluate(predicted: [Self.e(0, 0, 1)], scores: s, truth: [])
        let data = try ev.jsonData()
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["auroc_lagged", "auprc_lagged", "auroc_summary", "auprc_summary"] { #expect(root[key] is NSNull) }
        #expect(root["shd_lagged"] as? Int == 1)
        #expect(root["schema_version"] as? Int == GraphWriter.schemaVersion)
        #expect((root["lagged_no_self"] as? [String: Any])?["false_positives"] as? Int == 0)
        // every key is snake_case, at every level
        func keys(_ o: Any) -> [String] {
            guard let d = o as? [String: Any] else { return [] }
            return d.keys + d.values.flatMap(keys)
        }
        #expect(keys(root).allSatisfy { $0 == $0.lowercased() }, "\(keys(root))")
        #expect(try Evaluation.read(jsonData: data) == ev)
    }
}

@Suite struct OracleBinarizationTests {
    @Test func oracleTakesEachTargetsTrueInDegree() {
        // p = 2, L = 2. Target 0 has two true parents, target 1 one; the oracle keeps the top 2
        // of target 0 and the top 1 of target 1, whatever the predicted edges were.
        var s = ScoreTensor(maxLag: 2, variables: 2)
        s[1, 0, 0] = 0.9; s[2, 1, 0] = 0.8; s[1, 1, 0] = 0.1; s[2, 0, 0] = 0.05   // target 0
        s[1, 0, 1] = 0.2; s[2, 0, 1] = 0.7; s[1, 1, 1] = 0.3                    // target 1
        let truth = [LaggedEdge(source: 0, target: 0, lag: 1), LaggedEdge(source: 1, target: 0, lag: 2),
                     LaggedEdge(source: 0, target: 1, lag: 1)]
        let e = Evaluation.evaluate(predicted: [], scores: s, truth: truth)
        // lagged oracle: {0→0@1, 1→0@2} ∪ {0→1@2}: 2 TP, 1 FP (wrong lag), 1 FN
        #expect(e.oracleLagged.truePositives == 2 && e.oracleLagged.falsePositives == 1 && e.oracleLagged.falseNegatives == 1)
        // summary oracle: target 0 keeps 2 sources {0, 1}, target 1 keeps 1 source: 0 (max 0.7 > 0.3)
        #expect(e.oracleSummary.truePositives == 3 && e.oracleSummary.falsePositives == 0)
        #expect(e.lagged.truePositives == 0)
    }
}
