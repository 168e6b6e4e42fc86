import Testing
@testable import Causeway

@Suite struct BinarizerTests {
    /// p = 3, L = 2. Target 0: two candidates tie at 0.8 (lag 2 source 0, lag 1 source 2) and
    /// (lag 1 source 1) at 0.8 too, so lag 1 wins first, then the lower source.
    static func tensor() -> ScoreTensor {
        var s = ScoreTensor(maxLag: 2, variables: 3)
        // target 0
        s[2, 0, 0] = 0.8
        s[1, 2, 0] = 0.8
        s[1, 1, 0] = 0.8
        s[1, 0, 0] = 0.1
        // target 1
        s[1, 0, 1] = 0.9
        s[2, 2, 1] = 0.3
        // target 2: all zero except a NaN
        s[1, 1, 2] = .nan
        return s
    }

    @Test func rowTopKBreaksTiesByLagThenSource() {
        let s = Self.tensor()
        let e = Binarizer.rowTopK(s, k: 2)
        // target 0: (lag 1, src 1), (lag 1, src 2) beat (lag 2, src 0)
        // target 1: (lag 1, src 0) 0.9, (lag 2, src 2) 0.3
        // target 2: everything 0 (NaN skipped) → lag 1 src 0, lag 1 src 2
        let expected = [
            LaggedEdge(source: 1, target: 0, lag: 1), LaggedEdge(source: 2, target: 0, lag: 1),
            LaggedEdge(source: 0, target: 1, lag: 1), LaggedEdge(source: 2, target: 1, lag: 2),
            LaggedEdge(source: 0, target: 2, lag: 1), LaggedEdge(source: 2, target: 2, lag: 1),
        ]
        #expect(e == expected)
        #expect(e == e.sorted())
    }

    @Test func rowTopKEdgeCases() {
        let s = Self.tensor()
        #expect(Binarizer.rowTopK(s, k: 0).isEmpty)
        #expect(Binarizer.rowTopK(s, k: -1).isEmpty)
        // k beyond the candidates: all non-NaN candidates (3 targets × 6, minus one NaN)
        #expect(Binarizer.rowTopK(s, k: 100).count == 17)
        let one = Binarizer.rowTopK(s, k: 1)
        #expect(one == [LaggedEdge(source: 1, target: 0, lag: 1), LaggedEdge(source: 0, target: 1, lag: 1),
                        LaggedEdge(source: 0, target: 2, lag: 1)])
    }

    @Test func globalTopK() {
        let s = Self.tensor()
        // 0.9 first, then the three 0.8 ties ordered lag, source: (1,1,0), (1,2,0), (2,0,0)
        #expect(Binarizer.globalTopK(s, k: 1) == [LaggedEdge(source: 0, target: 1, lag: 1)])
        #expect(Binarizer.globalTopK(s, k: 3) == [
            LaggedEdge(source: 1, target: 0, lag: 1), LaggedEdge(source: 2, target: 0, lag: 1),
            LaggedEdge(source: 0, target: 1, lag: 1),
        ])
        #expect(Binarizer.globalTopK(s, k: 4).contains(LaggedEdge(source: 0, target: 0, lag: 2)))
        #expect(Binarizer.globalTopK(s, k: 0).isEmpty)
    }

    @Test func threshold() {
        let s = Self.tensor()
        #expect(Binarizer.threshold(s, 0.8) == [
            LaggedEdge(source: 0, target: 0, lag: 2), LaggedEdge(source: 1, target: 0, lag: 1),
            LaggedEdge(source: 2, target: 0, lag: 1), LaggedEdge(source: 0, target: 1, lag: 1),
        ])
        #expect(Binarizer.threshold(s, 1).isEmpty)
        #expect(Binarizer.threshold(s, -1).count == 17)  // NaN never passes
    }
}
