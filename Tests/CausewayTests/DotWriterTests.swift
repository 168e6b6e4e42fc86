import Foundation
import Testing
@testable import Causeway

@Suite struct DotWriterTests {
    @Test func oneEdgePerPairWithLagLabelsAndScaledWidth() throws {
        // p = 3, L = 3. Summary scores: a→b max(0.2, 0.1, 0.4) = 0.4; c→c 0.8 (the strongest).
        var s = ScoreTensor(maxLag: 3, variables: 3)
        s[1, 0, 1] = 0.2
        s[2, 0, 1] = 0.1
        s[3, 0, 1] = 0.4
        s[2, 2, 2] = 0.8
        let edges = [LaggedEdge(source: 0, target: 1, lag: 3), LaggedEdge(source: 0, target: 1, lag: 1),
                     LaggedEdge(source: 2, target: 2, lag: 2)]
        let dir = TempFolder()
        let path = dir.path + "/graph.dot"
        try DotWriter.write(edges: edges, scores: s, variables: ["a", "b", "c \"q\"\\"], to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("digraph causeway {\n"))
        #expect(text.hasSuffix("}\n"))
        // Every variable is a node, names escaped.
        #expect(text.contains("  \"a\";\n  \"b\";\n  \"c \\\"q\\\"\\\\\";\n"))
        // a→b: lags "1,3", width 1 + 3·0.4/0.8 = 2.5; c→c: width 4.
        #expect(text.contains("  \"a\" -> \"b\" [label=\"1,3\", penwidth=2.50];\n"))
        #expect(text.contains("  \"c \\\"q\\\"\\\\\" -> \"c \\\"q\\\"\\\\\" [label=\"2\", penwidth=4.00];\n"))
        #expect(text.components(separatedBy: " -> ").count - 1 == 2)
    }

    @Test func rejectsMismatches() {
        let s = ScoreTensor(maxLag: 1, variables: 2)
        expectError("graph.dot", "1 variable names") { _ = try DotWriter.dot(edges: [], scores: s, variables: ["a"]) }
        expectError("graph.dot", "lag 2") {
            _ = try DotWriter.dot(edges: [LaggedEdge(source: 0, target: 1, lag: 2)], scores: s, variables: ["a", "b"])
        }
    }
}
