import Foundation
import Testing
@testable import Causeway

/// `Dataset.check`: adequacy floors and warnings, transposed tables, constant columns, windows
/// lost to missing cells.
@Suite struct DataChecksTests {
    func dataset(_ rows: Int, _ p: Int, path: String = "/tmp/d.csv", names: [String]? = nil,
                 _ value: (Int, Int) -> Double = { t, j in sin(Double(t * (j + 1)) * 0.37) + cos(Double(t) * 1.3 + Double(j)) }) -> Dataset {
        var v: [Double] = []
        for t in 0..<rows { for j in 0..<p { v.append(value(t, j)) } }
        return Dataset(variables: names ?? (0..<p).map { "x\($0)" },
                       domains: [DomainData(name: "d", path: path, series: Series(rows: rows, columns: p, values: v))], path: path)
    }

    @Test func floorAndComfortableSizes() throws {
        #expect(Adequacy.minimumWindows(maxLag: 2, variables: 4) == 30 && Adequacy.minimumWindows(maxLag: 5, variables: 10) == 60)
        #expect(Adequacy.comfortableWindows(maxLag: 2, variables: 4) == 500 && Adequacy.comfortableWindows(maxLag: 5, variables: 20) == 1000)
        expectError("/tmp/d.csv: 5 time steps (rows) × 4 variables with --max-lag 5 give 0 training windows",
                    "needs at least 30 (max lag × variables + 10, and at least 30), about 50 rows", "--max-lag") {
            _ = try dataset(5, 4).check(maxLag: 5, validationFraction: 0.3)
        }
        // 48 rows × 10 variables, L = 5: 48 − 14 held-out rows = 34 training rows, 29 windows < 60
        expectError("48 time steps", "give 29 training windows", "needs at least 60", "about 93 rows") {
            _ = try dataset(48, 10).check(maxLag: 5, validationFraction: 0.3)
        }
        // 70 rows × 4, L = 2: 47 training windows: above the floor, below the comfortable size
        let w = try dataset(70, 4).check(maxLag: 2, validationFraction: 0.3)
        #expect(w.count == 1 && w[0].kind == .smallSample)
        #expect(w[0].message.contains("small sample: 47 training and 21 held-out windows for 8 inputs per forecast (500 training windows or more is comfortable)"))
        #expect(try dataset(2000, 4).check(maxLag: 2, validationFraction: 0.1).isEmpty)
    }

    @Test func shortDomainsAreNamed() throws {
        let long = dataset(600, 3), tiny = dataset(8, 3)
        let d = Dataset(variables: long.variables, domains: [long.domains[0], DomainData(name: "b", path: "/tmp/b.csv", series: tiny.domains[0].series)],
                        path: "/tmp/m.json")
        let w = try d.check(maxLag: 2, validationFraction: 0.1)
        #expect(w.contains { $0.message.contains("/tmp/m.json: domain 'b' (8 rows) is shorter than 30 rows") }, "\(w.map(\.message))")
        // one domain: no such warning (the small-sample one covers it)
        #expect(!(try dataset(600, 3).check(maxLag: 2, validationFraction: 0.1)).contains { $0.message.contains("shorter than") })
    }

    @Test func transposedTable() {
        expectError("/tmp/w.npy: 5 rows (time steps) and 1000 columns (variables)", "looks transposed", "np.save(path, a.T)") {
            _ = try dataset(5, 1000, path: "/tmp/w.npy").check(maxLag: 2, validationFraction: 0.1)
        }
    }

    /// All constant and near-constant columns in one message; a large offset with a real spread is kept.
    @Test func constantColumnsAllNamed() throws {
        let d = dataset(300, 5, names: ["a", "reset", "trim", "big", "dout"]) { t, j in
            switch j {
            case 1: return 1
            case 2: return t == 100 ? 0.0870000001 : 0.087
            case 3: return 1e12 + 1000 * sin(Double(t))
            case 4: return 0
            default: return sin(Double(t))
            }
        }
        expectError("constant or near-constant columns", "/tmp/d.csv: 'reset' (constant 1.0), 'trim' (near-constant: standard deviation",
                    "'dout' (constant 0.0)", "--drop-columns reset,trim,dout") {
            _ = try d.check(maxLag: 2, validationFraction: 0.1)
        }
        // constant in one domain of two: dropping the domain is offered too; with every domain, not
        let good = dataset(300, 2), flat = dataset(300, 2, path: "/tmp/s2.csv") { t, j in j == 1 ? 3 : sin(Double(t)) }
        let two = Dataset(variables: good.variables, domains: [good.domains[0], DomainData(name: "s2", path: "/tmp/s2.csv", series: flat.domains[0].series)],
                          path: "/tmp/m.json")
        expectError("/tmp/s2.csv: 'x1' (constant 3.0)", "--drop-columns x1 (for every domain), or leave out of the manifest the domain named here") {
            _ = try two.check(maxLag: 2, validationFraction: 0.1)
        }
        do { _ = try d.check(maxLag: 2, validationFraction: 0.1) } catch let e as CausewayError { #expect(!e.message.contains("leave out of the manifest")) }
        let kept = dataset(300, 2) { t, j in j == 0 ? 1e12 + 1000 * sin(Double(t)) : cos(Double(t) * 0.7) }
        #expect(try kept.check(maxLag: 2, validationFraction: 0.1).allSatisfy { $0.kind == .smallSample })
    }

    /// Windows that touch missing cells are counted; a domain that loses them all is named.
    @Test func windowsLostToMissingCells() throws {
        func domain(_ name: String, _ rows: Int, holes: Bool) -> DomainData {
            var v: [Double] = []
            for t in 0..<rows { v += [holes && t % 2 == 1 ? .nan : sin(Double(t)), cos(Double(t) * 0.3)] }
            return DomainData(name: name, path: "/tmp/\(name).csv", series: Series(rows: rows, columns: 2, values: v))
        }
        let d = Dataset(variables: ["a", "b"], domains: [domain("full", 600, holes: false), domain("holey", 200, holes: true)], path: "/tmp/m.json")
        let w = try d.check(maxLag: 2, validationFraction: 0.1)
        let dropped = try #require(w.first { $0.kind == .dropped })
        // holey: 200 rows, 20 held out: 178 training + 20 held-out windows, all touching a hole
        #expect(dropped.message.contains("/tmp/m.json (2 domains): 198 windows touch a missing cell"))
        #expect(dropped.message.contains("domain 'holey' lost every window"))
    }
}
