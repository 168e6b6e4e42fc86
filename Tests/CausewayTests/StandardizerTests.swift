import Foundation
import Testing
@testable import Causeway

@Suite struct StandardizerTests {
    private func domain(_ rows: Int, _ values: [Float], columns: Int = 2) -> DomainData {
        DomainData(name: "d", path: "/tmp/d.csv", series: Series(rows: rows, columns: columns, values: values))
    }

    @Test func fitsOnTrainingRowsOnly() throws {
        // Column a: 1, 3 | 100 (validation); column b: 2, 6 | -5.
        let s = try Standardizer.fit(domain(3, [1, 2, 3, 6, 100, -5]), variables: ["a", "b"], trainRows: 2)
        #expect(s.mean == [2, 4])
        #expect(s.invStd == [1, 0.5])
        #expect(s.apply(3, column: 0) == 1 && s.apply(0, column: 1) == -2)
    }

    @Test func constantColumnIsAnError() {
        expectError("/tmp/d.csv", "column 'b' is constant") {
            _ = try Standardizer.fit(domain(3, [1, 5, 2, 5, 3, 7]), variables: ["a", "b"], trainRows: 2)
        }
    }

    @Test func validateNamesFileRowsAndFlag() throws {
        let long = DomainData(name: "long", path: "/tmp/long.csv", series: Series(rows: 100, columns: 1, values: [Float](repeating: 0, count: 100)))
        let short = DomainData(name: "short", path: "/tmp/short.csv", series: Series(rows: 10, columns: 1, values: [Float](repeating: 0, count: 10)))
        let d = Dataset(variables: ["x"], domains: [long, short], path: "/tmp/m.json")
        try d.validate(maxLag: 6, validationFraction: 0.2)  // short: 10 - 2 = 8 = 6 + 2 training rows
        expectError("/tmp/short.csv", "10 rows", "8 are training rows", "--max-lag 7") {
            try d.validate(maxLag: 7, validationFraction: 0.2)
        }
    }
}
