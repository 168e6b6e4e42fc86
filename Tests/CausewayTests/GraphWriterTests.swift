import Foundation
import Testing
@testable import Causeway

@Suite struct GraphWriterTests {
    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("causeway-graph-\(UUID().uuidString)").path
        try AtomicFile.makeDirectory(dir)
        return dir
    }

    @Test func jsonRoundTrip() throws {
        var s = ScoreTensor(maxLag: 2, variables: 3)
        s[1, 0, 1] = 0.5
        s[2, 0, 1] = 0.75
        s[2, 2, 2] = 0.25
        s[1, 2, 2] = .infinity
        let edges = [LaggedEdge(source: 2, target: 2, lag: 2), LaggedEdge(source: 0, target: 1, lag: 1),
                     LaggedEdge(source: 0, target: 1, lag: 1)]
        let path = try Self.tempDir() + "/graph.json"
        try GraphWriter.writeJSON(edges: edges, scores: s, variables: ["a", "b", "c/d"],
                                  provenance: ["data": "/x/y.csv", "seed": "1"], to: path)

        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasSuffix("}\n"))
        #expect(text.contains("\n  \""))  // pretty-printed
        // Keys sorted at the top level.
        let order = ["\"edges\"", "\"max_lag\"", "\"provenance\"", "\"summary_edges\"", "\"variables\""]
            .map { text.range(of: $0)!.lowerBound }
        #expect(order == order.sorted())

        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(root["variables"] as? [String] == ["a", "b", "c/d"])
        #expect(root["max_lag"] as? Int == 2)
        #expect(root["provenance"] as? [String: String] == ["data": "/x/y.csv", "seed": "1"])

        let jsonEdges = try #require(root["edges"] as? [[String: Any]])
        #expect(jsonEdges.count == 2)  // duplicate dropped, sorted by target
        #expect(jsonEdges[0]["source"] as? String == "a")
        #expect(jsonEdges[0]["target"] as? String == "b")
        #expect(jsonEdges[0]["lag"] as? Int == 1)
        #expect(jsonEdges[0]["score"] as? Double == 0.5)
        #expect(jsonEdges[1]["source"] as? String == "c/d")
        #expect(jsonEdges[1]["lag"] as? Int == 2)
        #expect(jsonEdges[1]["score"] as? Double == 0.25)

        let summary = try #require(root["summary_edges"] as? [[String: Any]])
        #expect(summary.count == 2)
        #expect(summary[0]["source"] as? String == "a")
        #expect(summary[0]["target"] as? String == "b")
        #expect(summary[0]["score"] as? Double == 0.75)  // max over lags, not the selected lag's score
        #expect(summary[0]["lag"] == nil)
        #expect(summary[1]["score"] is NSNull)  // +inf at lag 1 → null
    }

    @Test func provenanceOmittedWhenEmpty() throws {
        let s = ScoreTensor(maxLag: 1, variables: 1, values: [0.1])
        let path = try Self.tempDir() + "/graph.json"
        try GraphWriter.writeJSON(edges: [], scores: s, variables: ["x"], provenance: [:], to: path)
        let root = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(root["provenance"] == nil)
        #expect((root["edges"] as? [Any])?.isEmpty == true)
    }

    @Test func rejectsMismatchedInputs() throws {
        let s = ScoreTensor(maxLag: 1, variables: 2)
        let path = try Self.tempDir() + "/graph.json"
        #expect(throws: CausewayError.self) {
            try GraphWriter.writeJSON(edges: [], scores: s, variables: ["x"], provenance: [:], to: path)
        }
        #expect(throws: CausewayError.self) {
            try GraphWriter.writeJSON(edges: [LaggedEdge(source: 0, target: 1, lag: 2)], scores: s,
                                      variables: ["x", "y"], provenance: [:], to: path)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
