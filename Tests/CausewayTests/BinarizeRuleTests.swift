import Testing
@testable import Causeway

@Suite struct BinarizeRuleTests {
    @Test func parsesEverySpellingAndGivesItBack() throws {
        let cases: [(String, BinarizeRule)] = [
            ("row-topk:3", .rowTopK(3)), ("global-topk:12", .globalTopK(12)),
            ("threshold:0.25", .threshold(0.25)), ("threshold:-1.5", .threshold(-1.5)), ("auto", .auto),
        ]
        for (text, rule) in cases {
            #expect(try BinarizeRule(parsing: text) == rule)
            #expect(rule.description == text)
            #expect(try BinarizeRule(parsing: rule.description) == rule)
        }
        #expect(try BinarizeRule(parsing: " auto ") == .auto)
        #expect(try BinarizeRule(parsing: BinarizeRule.threshold(1e-5).description) == .threshold(1e-5))
    }

    @Test func errorsNameTheFlagAndTheValue() {
        for bad in ["", "top-k:3", "row-topk", "row-topk:", "row-topk:0", "row-topk:-2", "row-topk:2.5",
                    "global-topk:x", "threshold:", "threshold:abc", "threshold:nan", "threshold:inf", "AUTO"] {
            expectError("--binarize", "'\(bad)'") { _ = try BinarizeRule(parsing: bad) }
        }
    }

    @Test func applyDispatchesToTheExplicitRules() {
        let s = BinarizerTests.tensor()
        #expect(Binarizer.apply(.rowTopK(2), to: s) == Binarizer.rowTopK(s, k: 2))
        #expect(Binarizer.apply(.globalTopK(3), to: s) == Binarizer.globalTopK(s, k: 3))
        #expect(Binarizer.apply(.threshold(0.5), to: s) == Binarizer.threshold(s, 0.5))
        #expect(Binarizer.apply(.auto, to: s) == Binarizer.auto(s))
    }

    /// p = 2, L = 2: four candidates per target.
    @Test func autoCutsAtTheLargestLogGap() {
        var s = ScoreTensor(maxLag: 2, variables: 2)
        // Target 0: 1.0, 0.9, 0.01, 0.009 → gaps log(1/0.9) ≈ 0.105, log 90 ≈ 4.50, log(10/9) ≈ 0.105 → k = 2.
        s[1, 0, 0] = 0.01
        s[1, 1, 0] = 1.0
        s[2, 0, 0] = 0.9
        s[2, 1, 0] = 0.009
        // Target 1: all zero → every gap is 0 → k = 1, the first candidate in tie order (lag 1, source 0).
        #expect(Binarizer.auto(s) == [
            LaggedEdge(source: 0, target: 0, lag: 2), LaggedEdge(source: 1, target: 0, lag: 1),
            LaggedEdge(source: 0, target: 1, lag: 1),
        ])
        // Target 1: one positive score, the rest zero → cut right after it.
        s[2, 1, 1] = 0.5
        #expect(Binarizer.auto(s).filter { $0.target == 1 } == [LaggedEdge(source: 1, target: 1, lag: 2)])
    }

    @Test func autoKeepsAtMostTwoPPerTarget() {
        // p = 1, L = 5: scores 5, 2, 1.5, 1, 0.001; m = min(4, 2) = 2, gaps log 2.5 ≈ 0.92 > log(4/3) ≈ 0.29
        // → k = 1, even though the largest gap overall (log 1000, after position 4) lies beyond 2p.
        let s = ScoreTensor(maxLag: 5, variables: 1, values: [5, 2, 1.5, 1, 0.001])
        #expect(Binarizer.auto(s) == [LaggedEdge(source: 0, target: 0, lag: 1)])
        #expect(Binarizer.largestLogGapCut([5, 4, 3, 2, 0.001], maxKeep: 4) == 4)
        #expect(Binarizer.largestLogGapCut([7], maxKeep: 2) == 1)
        #expect(Binarizer.largestLogGapCut([], maxKeep: 2) == 0)
        // NaN candidates are never kept.
        let n = ScoreTensor(maxLag: 2, variables: 1, values: [.nan, 0.3])
        #expect(Binarizer.auto(n) == [LaggedEdge(source: 0, target: 0, lag: 2)])
    }
}
