import ArgumentParser
import Causeway
import Foundation

enum ScoreNormalization: String, CaseIterable, ExpressibleByArgument {
    case none
    case perTarget = "per-target"
}

extension AttributionMethod: ExpressibleByArgument {}
extension ScoreAggregation: ExpressibleByArgument {}

/// Readout flags shared by `run` and `discover`, and the wiring from a trained model to the
/// output files.
struct ReadoutOptions: ParsableArguments {
    @Option(help: "Attribution method: lrp, attnlrp, gradient, grad-input, attention (variable tokens only).")
    var attribution: AttributionMethod = .gradient
    @Option(help: "Score aggregation over samples: abs (mean |R|) or square (mean R²).")
    var aggregate: ScoreAggregation = .abs
    @Option(help: "Score normalisation: none, or per-target (each target's scores sum to 1).")
    var normalize: ScoreNormalization = .none
    @Option(name: .customLong("eval-samples"), help: "Windows averaged by the readout (spread over all domains).")
    var evalSamples: Int = 1000
    @Option(name: .customLong("top-k"), help: "Edges kept per target variable (per-target top-k over sources and lags).")
    var topK: Int = 3
    @Option(help: "Ground-truth edges (CSV source,target,lag) to score the graph against.")
    var truth: String?

    func validate() throws {
        if topK < 1 { throw ValidationError("--top-k must be at least 1 (got \(topK))") }
        if evalSamples < 1 { throw ValidationError("--eval-samples must be at least 1 (got \(evalSamples))") }
    }

    func validate(tokens: Tokenization) throws {
        if attribution == .attention && tokens != .variable {
            throw ValidationError("--attribution attention needs --tokens variable (a step token mixes all variables)")
        }
    }

    /// Checks that depend on the data; returns the truth edges (read now, so a bad file fails
    /// before any training).
    func checkInputs(dataset: Dataset, maxLag: Int) throws -> [LaggedEdge]? {
        let p = dataset.variables.count
        if topK > p * maxLag {
            throw ValidationError("--top-k \(topK) exceeds the \(p * maxLag) candidate (source, lag) pairs per target")
        }
        return try truth.map { try TruthFile.read(path: $0, variables: dataset.variables) }
    }

    /// Attribution → scores → graph → files in `out`; prints where they are and, with truth, the metrics.
    func perform(replicas: ReplicaSet, windows: WindowSet, dataset: Dataset, truth truthEdges: [LaggedEdge]?,
                 out: String, provenance extra: [String: String]) throws {
        let samples = Attributor.evaluationSamples(windows, count: evalSamples)
        let readout = try Attributor.compute(replicas: replicas, windows: windows, samples: samples,
                                             method: attribution, aggregation: aggregate,
                                             normalizePerTarget: normalize == .perTarget)
        let scores = readout.scores
        let edges = Binarizer.rowTopK(scores, k: topK)
        try NPYScores.write(scores, to: out + "/scores.npy")
        var provenance = extra
        provenance["version"] = causewayVersion
        provenance["command"] = CommandLine.arguments.joined(separator: " ")
        provenance["data"] = dataset.path
        provenance["attribution"] = attribution.rawValue
        provenance["binarize"] = "row-topk:\(topK)"
        try GraphWriter.writeJSON(edges: edges, scores: scores, variables: dataset.variables,
                                  provenance: provenance, to: out + "/graph.json")
        print("graph: \(edges.count) edges → \(out)/graph.json (scores: \(out)/scores.npy)")
        if let truthEdges {
            let lagged = EdgeMetrics.lagged(predicted: edges, truth: truthEdges)
            let summary = EdgeMetrics.summary(predicted: edges, truth: truthEdges)
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .prettyPrinted]
            try AtomicFile.write(try enc.encode(["lagged": lagged, "summary": summary]), to: out + "/metrics.json")
            print(String(format: "lagged:  precision %.3f  recall %.3f  F1 %.3f", lagged.precision, lagged.recall, lagged.f1))
            print(String(format: "summary: precision %.3f  recall %.3f  F1 %.3f", summary.precision, summary.recall, summary.f1))
        }
    }
}
