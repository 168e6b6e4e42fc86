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

    /// p = 2, L = 2: eight candidates in all, split globally.
    @Test func autoSplitsAllCandidatesByOtsu() {
        // three strong candidates (1.0, 0.9, 0.8) among weak ones (≤ 0.1): the split falls between them;
        // target 1 has no strong candidate, so it gets no parent
        var s = ScoreTensor(maxLag: 2, variables: 2)
        s[1, 1, 0] = 1.0; s[2, 0, 0] = 0.9; s[1, 0, 0] = 0.8; s[2, 1, 0] = 0.05
        s[1, 0, 1] = 0.1; s[1, 1, 1] = 0.02; s[2, 0, 1] = 0.01; s[2, 1, 1] = 0
        #expect(Binarizer.auto(s) == [
            LaggedEdge(source: 0, target: 0, lag: 1), LaggedEdge(source: 0, target: 0, lag: 2),
            LaggedEdge(source: 1, target: 0, lag: 1),
        ])
        // squared scores with exponent ½ give the same graph
        let squared = ScoreTensor(maxLag: 2, variables: 2, values: s.values.map { $0 * $0 })
        #expect(Binarizer.auto(squared, exponent: 0.5) == Binarizer.auto(s))
        // NaN candidates are never kept; a constant tensor has no split
        #expect(Binarizer.auto(ScoreTensor(maxLag: 1, variables: 2, values: [0.5, 0.5, 0.5, 0.5])).isEmpty)
        let n = ScoreTensor(maxLag: 2, variables: 1, values: [.nan, 0.3])
        #expect(Binarizer.auto(n).isEmpty)   // one finite value: no split
    }

    @Test func otsuThresholdMaximisesBetweenClassVariance() {
        // independent brute force over every split of random samples
        var rng = RNG(seed: 12)
        for _ in 0..<20 {
            let x = (0..<40).map { _ in Float(rng.uniform() < 0.3 ? 1 + rng.gaussian() * 0.2 : rng.uniform() * 0.3) }
            let t = Binarizer.otsuThreshold(x)!
            func between(_ t: Float) -> Double {
                let lo = x.filter { $0 < t }.map(Double.init), hi = x.filter { $0 >= t }.map(Double.init)
                guard !lo.isEmpty, !hi.isEmpty else { return -1 }
                let d = hi.reduce(0, +) / Double(hi.count) - lo.reduce(0, +) / Double(lo.count)
                return Double(lo.count * hi.count) * d * d
            }
            let best = x.map(between).max()!
            #expect(isClose(between(t), best, rel: 1e-9, abs: 1e-9))
        }
    }
}
