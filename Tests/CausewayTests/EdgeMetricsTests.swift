import Testing
@testable import Causeway

@Suite struct EdgeMetricsTests {
    static func e(_ s: Int, _ t: Int, _ l: Int) -> LaggedEdge { LaggedEdge(source: s, target: t, lag: l) }

    @Test func laggedCounts() {
        let truth = [Self.e(0, 1, 1), Self.e(1, 2, 2), Self.e(2, 2, 1)]
        let predicted = [Self.e(0, 1, 1), Self.e(1, 2, 1), Self.e(0, 1, 1)]  // duplicate counts once
        let m = EdgeMetrics.lagged(predicted: predicted, truth: truth)
        #expect(m.truePositives == 1 && m.falsePositives == 1 && m.falseNegatives == 2)
        #expect(m.precision == 0.5)
        #expect(abs(m.recall - 1.0 / 3) < 1e-12)
        #expect(abs(m.f1 - 0.4) < 1e-12)
    }

    @Test func summaryIgnoresLag() {
        let truth = [Self.e(0, 1, 1), Self.e(1, 2, 2), Self.e(2, 2, 1)]
        let predicted = [Self.e(0, 1, 3), Self.e(1, 2, 1), Self.e(1, 2, 2), Self.e(2, 0, 1)]
        let m = EdgeMetrics.summary(predicted: predicted, truth: truth)
        // predicted pairs {0→1, 1→2, 2→0}; truth pairs {0→1, 1→2, 2→2}
        #expect(m.truePositives == 2 && m.falsePositives == 1 && m.falseNegatives == 1)
        #expect(abs(m.precision - 2.0 / 3) < 1e-12)
        #expect(abs(m.recall - 2.0 / 3) < 1e-12)
        #expect(abs(m.f1 - 2.0 / 3) < 1e-12)
        // lagged scoring of the same sets is stricter
        #expect(EdgeMetrics.lagged(predicted: predicted, truth: truth).truePositives == 1)
    }

    @Test func emptySetsGiveZeroNotNaN() {
        let truth = [Self.e(0, 1, 1)]
        let noPrediction = EdgeMetrics.lagged(predicted: [], truth: truth)
        #expect(noPrediction == EdgeMetrics(truePositives: 0, falsePositives: 0, falseNegatives: 1))
        #expect(noPrediction.precision == 0 && noPrediction.recall == 0 && noPrediction.f1 == 0)

        let noTruth = EdgeMetrics.summary(predicted: truth, truth: [])
        #expect(noTruth.falsePositives == 1 && noTruth.precision == 0 && noTruth.recall == 0 && noTruth.f1 == 0)

        let both = EdgeMetrics.lagged(predicted: [], truth: [])
        #expect(both.truePositives == 0 && both.precision == 0 && both.recall == 0 && both.f1 == 0)
    }

    @Test func perfectPrediction() {
        let truth = [Self.e(0, 1, 1), Self.e(1, 0, 2)]
        let m = EdgeMetrics.lagged(predicted: truth.reversed(), truth: truth)
        #expect(m.precision == 1 && m.recall == 1 && m.f1 == 1)
    }
}
