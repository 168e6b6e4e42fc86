import Testing
@testable import Causeway

@Suite struct RNGTests {
    @Test func sameSeedSameStream() {
        var a = RNG(seed: 7), b = RNG(seed: 7)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
    }

    @Test func stateRoundTrips() {
        var a = RNG(seed: 3)
        _ = a.next()
        var b = RNG(state: a.stateWords)
        for _ in 0..<10 { #expect(a.next() == b.next()) }
    }

    @Test func gaussianMoments() {
        var r = RNG(seed: 1)
        let n = 200_000
        var s = 0.0, s2 = 0.0
        for _ in 0..<n { let g = r.gaussian(); s += g; s2 += g * g }
        #expect(abs(s / Double(n)) < 0.01)
        #expect(abs(s2 / Double(n) - 1) < 0.02)
    }
}
