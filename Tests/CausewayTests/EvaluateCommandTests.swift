import Foundation
import Testing
@testable import Causeway

/// `causeway evaluate` end to end through the library: files written as `run` writes them,
/// then `RunEvaluation.evaluate` reads them back, evaluates and writes metrics.json.
@Suite struct EvaluateCommandTests {
    static func writeRun(in dir: TempFolder) throws -> (ScoreTensor, [LaggedEdge]) {
        // p = 3, L = 2.
        var s = ScoreTensor(maxLag: 2, variables: 3)
        s[1, 0, 1] = 0.9
        s[2, 1, 2] = 0.7
        s[1, 2, 2] = 0.5
        s[1, 1, 0] = 0.3
        let edges = [LaggedEdge(source: 0, target: 1, lag: 1), LaggedEdge(source: 1, target: 2, lag: 2),
                     LaggedEdge(source: 1, target: 0, lag: 1)]
        try NPYScores.write(s, to: dir.path + "/scores.npy")
        try GraphWriter.writeJSON(edges: edges, scores: s, variables: ["a", "b", "c"], provenance: [:],
                                  to: dir.path + "/graph.json")
        return (s, edges)
    }

    @Test func evaluatesAndWritesMetrics() throws {
        let dir = TempFolder()
        let (s, edges) = try Self.writeRun(in: dir)
        let truthPath = dir.file("truth.csv", "source,target,lag\na,b,1\nb,c,2\nc,c,1\n")
        let ev = try RunEvaluation.evaluate(runDirectory: dir.path, truthPath: truthPath)
        let truth = [LaggedEdge(source: 0, target: 1, lag: 1), LaggedEdge(source: 1, target: 2, lag: 2),
                     LaggedEdge(source: 2, target: 2, lag: 1)]
        #expect(ev == Evaluation.evaluate(predicted: edges, scores: s, truth: truth))
        // TP a→b@1, b→c@2; FP b→a@1; FN c→c@1.
        #expect(ev.lagged == EdgeMetrics(truePositives: 2, falsePositives: 1, falseNegatives: 1))
        #expect(ev.shdLagged == 2)
        // Ranking: positives 0.9, 0.7, 0.5 are the three highest of 18 scores (0.3 is a negative).
        #expect(ev.aurocLagged == 1)
        #expect(ev.auprcLagged == 1)

        let data = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/metrics.json"))
        #expect(try Evaluation.read(jsonData: data) == ev)
        let table = ev.table
        #expect(table.contains("lagged, no self"))
        #expect(table.contains("summary") && table.contains("AUROC"))
        #expect(table.contains("    0.667   0.667  0.667     2     2     1     1"))
    }

    @Test func undefinedRatiosPrintNotApplicable() throws {
        // truth and graph: the self-loop c → c alone, so the "no self" rows compare two empty sets
        let dir = TempFolder()
        var s = ScoreTensor(maxLag: 1, variables: 3)
        s[1, 2, 2] = 0.8
        s[1, 0, 1] = 0.1
        try NPYScores.write(s, to: dir.path + "/scores.npy")
        try GraphWriter.writeJSON(edges: [LaggedEdge(source: 2, target: 2, lag: 1)], scores: s, variables: ["a", "b", "c"],
                                  provenance: [:], to: dir.path + "/graph.json")
        let truth = dir.file("truth.csv", "source,target,lag\nc,c,1\n")
        let table = try RunEvaluation.evaluate(runDirectory: dir.path, truthPath: truth).table
        #expect(table.contains("lagged                  1.000   1.000  1.000     0     1     0     0"))
        #expect(table.contains("lagged, no self           n/a     n/a    n/a     0     0     0     0"))
        // an empty graph against a non-empty truth: precision n/a, recall and F1 0
        try GraphWriter.writeJSON(edges: [], scores: s, variables: ["a", "b", "c"], provenance: [:], to: dir.path + "/graph.json")
        let empty = try RunEvaluation.evaluate(runDirectory: dir.path, truthPath: truth).table
        #expect(empty.contains("lagged                    n/a   0.000  0.000     1     0     0     1"))
        // the scores rank c → c first (oracle F1 1), the graph is empty: the note says the decision fell short
        #expect(empty.contains("note: the scores rank the true edges well (oracle top-k F1 1.000) but the graph keeps fewer (recall 0.000)"))
        #expect(!table.contains("note: the scores rank"))
        // a score rule (top-k, auto) keeps what it keeps by design: no such note
        let ev0 = try RunEvaluation.evaluate(runDirectory: dir.path, truthPath: truth)
        #expect(!ev0.table(missed: nil, scoreRule: true).contains("note: the scores rank"))
        // with the decision's q-values: the missed c → c was tested (a finite q-value) and not kept
        let q = ScoreTensor(maxLag: 1, variables: 3, values: [Float](repeating: .nan, count: 8) + [0.2])
        let missed = try #require(MissedTrueEdges(truth: [LaggedEdge(source: 2, target: 2, lag: 1)], edges: [], qValues: q))
        #expect(missed == MissedTrueEdges(truth: [LaggedEdge(source: 2, target: 2, lag: 1)], edges: [], qValues: q))
        #expect(missed.testedNotKept == 1 && missed.outsideScreen == 0)
        let ev = try RunEvaluation.evaluate(runDirectory: dir.path, truthPath: truth)
        #expect(ev.table(missed: missed).contains("of the 1 true edge missed, 1 was tested and not kept"))
        // outside the family (NaN q): never tested
        let outside = try #require(MissedTrueEdges(truth: [LaggedEdge(source: 2, target: 2, lag: 1)], edges: [],
                                                   qValues: ScoreTensor(maxLag: 1, variables: 3, values: [Float](repeating: .nan, count: 9))))
        #expect(outside.outsideScreen == 1 && outside.testedNotKept == 0 && outside.outsideScreenWithPValue == 0)
        #expect(ev.table(missed: outside).contains("1 was outside the score screen (not in the family the FDR rule corrects, so no q-value; --tests"))
        // outside the family but with a p-value (every candidate tested at small L·p): said so
        let withP = try #require(MissedTrueEdges(truth: [LaggedEdge(source: 2, target: 2, lag: 1)], edges: [],
                                                 qValues: ScoreTensor(maxLag: 1, variables: 3, values: [Float](repeating: .nan, count: 9)),
                                                 pValues: ScoreTensor(maxLag: 1, variables: 3, values: [Float](repeating: 0.002, count: 9))))
        #expect(withP.outsideScreen == 1 && withP.outsideScreenWithPValue == 1)
        #expect(ev.table(missed: withP).contains("1 of them have a p-value in pvalues.npy"))
        #expect(MissedTrueEdges(truth: [], edges: [], qValues: nil) == nil)
    }

    @Test func errorsNameTheFileAndWriteNothing() throws {
        let dir = TempFolder()
        _ = try Self.writeRun(in: dir)
        let badTruth = dir.file("truth.csv", "source,target,lag\na,zz,1\n")
        expectError(badTruth, "line 2", "zz") { try RunEvaluation.evaluate(runDirectory: dir.path, truthPath: badTruth) }
        // scores.npy that disagrees with graph.json.
        try NPYScores.write(ScoreTensor(maxLag: 3, variables: 3), to: dir.path + "/scores.npy")
        let truth = dir.file("ok.csv", "source,target,lag\na,b,1\n")
        expectError("scores.npy", "max_lag 2") { try RunEvaluation.evaluate(runDirectory: dir.path, truthPath: truth) }
        try FileManager.default.removeItem(atPath: dir.path + "/graph.json")
        expectError("graph.json", "does not exist") { try RunEvaluation.evaluate(runDirectory: dir.path, truthPath: truth) }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/metrics.json"))
    }
}
