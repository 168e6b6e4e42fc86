import Foundation
import Testing
@testable import Causeway

@Suite struct GraphWriterTests {
    /// A fresh folder for one test, removed when the suite value (one per test) is released.
    let folder = TempFolder()

    @Test func jsonRoundTrip() throws {
        var s = ScoreTensor(maxLag: 2, variables: 3)
        s[1, 0, 1] = 0.5
        s[2, 0, 1] = 0.75
        s[2, 2, 2] = 0.25
        s[1, 2, 2] = .infinity
        let edges = [LaggedEdge(source: 2, target: 2, lag: 2), LaggedEdge(source: 0, target: 1, lag: 1),
                     LaggedEdge(source: 0, target: 1, lag: 1)]
        let path = folder.path + "/graph.json"
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
        let path = folder.path + "/graph.json"
        try GraphWriter.writeJSON(edges: [], scores: s, variables: ["x"], provenance: [:], to: path)
        let root = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(root["provenance"] == nil)
        #expect((root["edges"] as? [Any])?.isEmpty == true)
    }

    @Test func rejectsMismatchedInputs() throws {
        let s = ScoreTensor(maxLag: 1, variables: 2)
        let path = folder.path + "/graph.json"
        #expect(throws: CausewayError.self) {
            try GraphWriter.writeJSON(edges: [], scores: s, variables: ["x"], provenance: [:], to: path)
        }
        #expect(throws: CausewayError.self) {
            try GraphWriter.writeJSON(edges: [LaggedEdge(source: 0, target: 1, lag: 2)], scores: s,
                                      variables: ["x", "y"], provenance: [:], to: path)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func newFieldsRoundTrip() throws {
        var s = ScoreTensor(maxLag: 2, variables: 2)
        s[2, 1, 0] = 0.5
        s[1, 0, 1] = 0.25
        var mean = ScoreTensor(maxLag: 2, variables: 2)
        mean[2, 1, 0] = 1.5
        mean[1, 0, 1] = .nan
        var std = ScoreTensor(maxLag: 2, variables: 2)
        std[2, 1, 0] = 0.5
        std[1, 0, 1] = 2
        let edges = [LaggedEdge(source: 1, target: 0, lag: 2), LaggedEdge(source: 0, target: 1, lag: 1)]
        let path = folder.path + "/graph.json"
        try GraphWriter.writeJSON(edges: edges, scores: s, variables: ["u", "v"], attribution: "gradient",
                                  binarize: BinarizeRule.rowTopK(1).description, rankMean: mean, rankStd: std,
                                  shardAgreement: [edges[0]: 0.5], provenance: ["seed": "3"], to: path)
        let root = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(root["attribution"] as? String == "gradient")
        #expect(root["binarize"] as? String == "row-topk:1")
        let jsonEdges = try #require(root["edges"] as? [[String: Any]])
        #expect(jsonEdges[0]["source"] as? String == "v" && jsonEdges[0]["lag"] as? Int == 2)
        #expect(jsonEdges[0]["rank_mean"] as? Double == 1.5)
        #expect(jsonEdges[0]["shard_agreement"] as? Double == 0.5)
        #expect(jsonEdges[1]["shard_agreement"] == nil)
        #expect(jsonEdges[0]["rank_std"] as? Double == 0.5)
        #expect(jsonEdges[1]["rank_mean"] is NSNull)
        #expect(jsonEdges[1]["rank_std"] as? Double == 2)

        let back = try GraphFile.read(path: path)
        #expect(back == GraphFile(variables: ["u", "v"], maxLag: 2, edges: edges.sorted(), attribution: "gradient",
                                  binarize: "row-topk:1", provenance: ["seed": "3"]))
        #expect(try BinarizeRule(parsing: back.binarize!) == .rowTopK(1))

        // Without the new arguments the keys are absent (old call sites keep their output).
        try GraphWriter.writeJSON(edges: edges, scores: s, variables: ["u", "v"], provenance: [:], to: path)
        let plain = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(plain["attribution"] == nil && plain["binarize"] == nil)
        #expect((plain["edges"] as? [[String: Any]])?.first?["rank_mean"] == nil)
        // A rank tensor of the wrong shape is refused.
        expectError("rank_std", "shape") {
            try GraphWriter.writeJSON(edges: edges, scores: s, variables: ["u", "v"],
                                      rankStd: ScoreTensor(maxLag: 1, variables: 2), provenance: [:], to: path)
        }
    }

    @Test func readerErrorsNameTheFile() throws {
        let dir = TempFolder()
        expectError("\(dir.path)/none.json", "does not exist") { _ = try GraphFile.read(path: dir.path + "/none.json") }
        let bad = dir.file("bad.json", "{not json")
        expectError(bad, "not valid JSON") { _ = try GraphFile.read(path: bad) }
        let noLag = dir.file("nolag.json", #"{"variables": ["a"], "edges": []}"#)
        expectError(noLag, "max_lag") { _ = try GraphFile.read(path: noLag) }
        let unknown = dir.file("unknown.json",
                               #"{"variables": ["a"], "max_lag": 1, "edges": [{"source": "z", "target": "a", "lag": 1}]}"#)
        expectError(unknown, "edges[0]", "'z'") { _ = try GraphFile.read(path: unknown) }
        let farLag = dir.file("far.json",
                              #"{"variables": ["a"], "max_lag": 1, "edges": [{"source": "a", "target": "a", "lag": 2}]}"#)
        expectError(farLag, "lag 2") { _ = try GraphFile.read(path: farLag) }
    }
}
