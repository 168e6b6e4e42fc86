import Testing
@testable import Causeway

@Suite struct ScoreTensorTests {
    @Test func layoutMatchesDocumentedIndex() {
        var s = ScoreTensor(maxLag: 2, variables: 3)
        s[2, 1, 0] = 5
        #expect(s.values[(2 - 1) * 9 + 1 * 3 + 0] == 5)
        #expect(s[2, 1, 0] == 5)
        #expect(s.values.filter { $0 != 0 }.count == 1)
    }

    @Test func summaryIsMaxOverLags() {
        var s = ScoreTensor(maxLag: 3, variables: 2)
        s[1, 0, 1] = 0.2; s[2, 0, 1] = 0.9; s[3, 0, 1] = 0.1
        s[1, 1, 0] = -1; s[2, 1, 0] = -3; s[3, 1, 0] = -2
        s[1, 1, 1] = .nan; s[2, 1, 1] = 0.5; s[3, 1, 1] = .nan
        let m = s.summary()
        #expect(m.count == 4)
        #expect(m[0 * 2 + 1] == 0.9)
        #expect(m[1 * 2 + 0] == -1)
        #expect(m[1 * 2 + 1] == 0.5)
        #expect(m[0] == 0)
    }
}
