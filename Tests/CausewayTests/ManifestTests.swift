import Foundation
import Testing
@testable import Causeway

@Suite struct ManifestTests {
    private func manifest(_ dir: TempFolder, _ domains: [(String, String)], variables: [String] = ["a", "b"],
                          extra: String = "") -> String {
        let ds = domains.map { "{\"name\": \"\($0.0)\", \"path\": \"\($0.1)\"}" }.joined(separator: ", ")
        let vs = variables.map { "\"\($0)\"" }.joined(separator: ", ")
        return dir.file("manifest.json", "{\"variables\": [\(vs)], \"domains\": [\(ds)], \"source\": \"test\"\(extra)}")
    }

    @Test func twoDomainsOfDifferentLengths() throws {
        let dir = TempFolder()
        dir.file("d0.csv", "a,b\n1,2\n3,4\n5,6\n")
        dir.file("d1.npy", data: NPYWriter.float32(shape: [2, 2], values: [7, 8, 9, 10]))
        let p = manifest(dir, [("first", "d0.csv"), ("second", "d1.npy")])
        let d = try DatasetLoader.load(path: p)
        #expect(d.variables == ["a", "b"] && d.path == p)
        #expect(d.domains.map(\.name) == ["first", "second"])
        #expect(d.domains.map(\.series.rows) == [3, 2])
        #expect(d.domains[1].path == dir.path + "/d1.npy")
        #expect(d.domains[0].series.value(2, 1) == 6 && d.domains[1].series.value(1, 0) == 9)
    }

    /// CSV columns are matched to the manifest by name (a reordering is noted); a missing or an
    /// extra variable is an error naming the file and the variable; NPY columns go by position.
    @Test func variablesAreMatchedByName() throws {
        let dir = TempFolder()
        dir.file("d0.csv", "a,b\n1,2\n3,4\n")
        dir.file("d1.csv", "b,a\n20,10\n40,30\n")
        dir.file("d2.npy", data: NPYWriter.float32(shape: [1, 3], values: [1, 2, 3]))
        dir.file("d3.csv", "a\n1\n")
        dir.file("d4.csv", "a,b,c\n1,2,3\n")
        let d = try DatasetLoader.load(path: manifest(dir, [("x", "d0.csv"), ("y", "d1.csv")]))
        #expect(d.variables == ["a", "b"])
        #expect(d.domains[1].series.value(0, 0) == 10 && d.domains[1].series.value(1, 1) == 40)
        #expect(d.notes.contains { $0.message.contains("d1.csv: columns are in another order (b, a); matched to the manifest's variables by name") })
        expectError("d2.npy: 3 columns", "lists 2 variables") {
            _ = try DatasetLoader.load(path: manifest(dir, [("x", "d0.csv"), ("y", "d2.npy")]))
        }
        expectError("d3.csv: variable 'b' is missing (its header: a)") {
            _ = try DatasetLoader.load(path: manifest(dir, [("y", "d3.csv")]))
        }
        expectError("d4.csv: column 3 'c' is not one of the manifest's variables", "--drop-columns c") {
            _ = try DatasetLoader.load(path: manifest(dir, [("y", "d4.csv")]))
        }
        let dropped = try DatasetLoader.load(path: manifest(dir, [("y", "d4.csv")]),
                                             options: LoadOptions(table: TableOptions(dropColumns: ["c"])))
        #expect(dropped.variables == ["a", "b"] && dropped.domains[0].series.value(0, 1) == 2)
    }

    @Test func rejectsUnknownKeysAndMalformedJSON() {
        let dir = TempFolder()
        dir.file("d0.csv", "a,b\n1,2\n")
        expectError("manifest.json", "unknown key 'varaibles'") {
            _ = try DatasetLoader.load(path: manifest(dir, [("x", "d0.csv")], extra: ", \"varaibles\": []"))
        }
        expectError("m2.json", "unknown key 'file' in domains[0]") {
            _ = try DatasetLoader.load(path: dir.file("m2.json", "{\"variables\": [\"a\", \"b\"], \"domains\": [{\"name\": \"x\", \"path\": \"d0.csv\", \"file\": 1}]}"))
        }
        expectError("bad.json", "malformed JSON") { _ = try DatasetLoader.load(path: dir.file("bad.json", "{\"variables\": [")) }
        expectError("bad.json", "the file ends before the JSON is complete") { _ = try DatasetLoader.load(path: dir.file("bad.json", "{\"variables\": [")) }
        // a bad value on line 2: the parser's character offset becomes a line and column
        expectError("bad2.json", "line 2, column") {
            _ = try DatasetLoader.load(path: dir.file("bad2.json", "{\"variables\": [\"a\"],\n \"domains\": x}"))
        }
        expectError("dupv.json", "duplicate variable name 'a'") {
            _ = try DatasetLoader.load(path: dir.file("dupv.json", "{\"variables\": [\"a\", \"a\"], \"domains\": [{\"name\": \"x\", \"path\": \"d0.csv\"}]}"))
        }
        expectError("missing.csv: no such file", "domain 'x'") {
            _ = try DatasetLoader.load(path: manifest(dir, [("x", "missing.csv")]))
        }
        expectError("e.json: file is empty") { _ = try DatasetLoader.load(path: dir.file("e.json", "")) }
    }
}
