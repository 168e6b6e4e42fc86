import Foundation
import Testing
@testable import Causeway

@Suite struct AdjacencyWriterTests {
    @Test func rowIsSourceColumnIsTarget() throws {
        let dir = TempFolder()
        let path = dir.path + "/adjacency.csv"
        // 0→1 at lags 1 and 3 collapse to one entry; 2→2 is a self-loop; 1→0 is absent.
        let edges = [LaggedEdge(source: 0, target: 1, lag: 1), LaggedEdge(source: 0, target: 1, lag: 3),
                     LaggedEdge(source: 2, target: 2, lag: 2), LaggedEdge(source: 1, target: 2, lag: 1)]
        try AdjacencyWriter.write(edges: edges, variables: ["x0", "x1", "x2"], to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == ",x0,x1,x2\nx0,0,1,0\nx1,0,0,1\nx2,0,0,1\n")
    }

    @Test func quotesAwkwardNamesAndRejectsBadEdges() throws {
        let csv = try AdjacencyWriter.csv(edges: [], variables: ["a,b", "say \"hi\""])
        #expect(csv == ",\"a,b\",\"say \"\"hi\"\"\"\n\"a,b\",0,0\n\"say \"\"hi\"\"\",0,0\n")
        expectError("adjacency.csv", "outside") {
            _ = try AdjacencyWriter.csv(edges: [LaggedEdge(source: 0, target: 5, lag: 1)], variables: ["a"])
        }
    }
}
