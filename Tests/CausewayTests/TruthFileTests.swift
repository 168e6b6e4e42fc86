import Foundation
import Testing
@testable import Causeway

@Suite struct TruthFileTests {
    static let names = ["x0", "x1", "x2"]

    /// This test's folder (one suite value per test), removed when the test ends.
    let folder = TempFolder()

    /// Writes `text` to truth.csv in the test's folder and returns its path.
    func file(_ text: String) throws -> String { folder.file("truth.csv", text) }

    /// Expects `read` to fail with a message naming the file and `line N`.
    func expectError(_ text: String, line: Int, mentioning words: String) throws {
        let path = try file(text)
        do {
            _ = try TruthFile.read(path: path, variables: Self.names)
            Issue.record("expected an error for line \(line)")
        } catch let error as CausewayError {
            #expect(error.message.contains(path), "\(error.message)")
            #expect(error.message.contains("line \(line)"), "\(error.message)")
            #expect(error.message.contains(words), "\(error.message)")
        }
    }

    @Test func readsEdgesByName() throws {
        let path = try file("source,target,lag\r\nx0,x1,1\r\n\r\n x2 , x2 , 3 \r\nx0,x1,1\r\n")
        let edges = try TruthFile.read(path: path, variables: Self.names)
        #expect(edges == [LaggedEdge(source: 0, target: 1, lag: 1), LaggedEdge(source: 2, target: 2, lag: 3)])
    }

    @Test func headerOnlyMeansNoEdges() throws {
        let path = try file("source,target,lag\n")
        #expect(try TruthFile.read(path: path, variables: Self.names).isEmpty)
    }

    @Test func unknownVariable() throws {
        try expectError("source,target,lag\nx0,x1,1\nx0,y,2\n", line: 3, mentioning: "'y'")
        try expectError("source,target,lag\nz,x1,1\n", line: 2, mentioning: "unknown variable 'z'")
        // the message lists the names a row may use
        try expectError("source,target,lag\nz,x1,1\n", line: 2, mentioning: "variables: \(Self.names.joined(separator: ", "))")
    }

    @Test func badLag() throws {
        try expectError("source,target,lag\nx0,x1,0\n", line: 2, mentioning: "at least 1")
        try expectError("source,target,lag\nx0,x1,-2\n", line: 2, mentioning: "at least 1")
        try expectError("source,target,lag\nx0,x1,1.5\n", line: 2, mentioning: "not an integer")
        try expectError("source,target,lag\n\nx0,x1,\n", line: 3, mentioning: "not an integer")
    }

    @Test func wrongColumnCount() throws {
        try expectError("source,target,lag\nx0,x1\n", line: 2, mentioning: "3 columns")
        try expectError("source,target,lag\nx0,x1,1,4\n", line: 2, mentioning: "found 4")
    }

    @Test func headerRequired() throws {
        try expectError("x0,x1,1\n", line: 1, mentioning: "header")
        try expectError("", line: 1, mentioning: "header")
    }

    @Test func missingFile() {
        let path = "/nonexistent-causeway-dir/truth.csv"
        #expect {
            try TruthFile.read(path: path, variables: Self.names)
        } throws: { error in
            (error as? CausewayError)?.message.contains(path) == true
        }
    }
}
