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
    var attribution: AttributionMethod = .lrp
    @Option(help: "Score aggregation over samples: abs (mean |R|) or square (mean R²).")
    var aggregate: ScoreAggregation = .abs
    @Option(help: "Score normalisation: none, or per-target (each target's scores sum to 1).")
    var normalize: ScoreNormalization = .none
    @Option(name: .customLong("eval-samples"), help: "Windows averaged by the readout (spread over all domains).")
    var evalSamples: Int = 1000
    @Option(help: "Binarization: auto (no ground truth needed), row-topk:K, global-topk:K or threshold:T.")
    var binarize: String?
    @Option(name: .customLong("top-k"), help: "Shorthand for --binarize row-topk:K.")
    var topK: Int?
    @Option(help: "Ground-truth edges (CSV source,target,lag) to score the graph against.")
    var truth: String?
    @Flag(name: .customLong("per-domain"), help: "Also read out one graph per domain from its own evaluation samples (OUT/domains/NAME/), besides the shared graph.")
    var perDomain = false

    /// The binarization rule from --binarize / --top-k (default auto).
    var rule: BinarizeRule {
        get throws {
            if let topK { return .rowTopK(topK) }
            return try binarize.map { try BinarizeRule(parsing: $0) } ?? .auto
        }
    }

    func validate() throws {
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1 (got \(topK))") }
        if topK != nil && binarize != nil { throw ValidationError("give --binarize or --top-k, not both") }
        do { _ = try rule } catch let e as CausewayError { throw ValidationError(e.message) }
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
        if case .rowTopK(let k) = try rule, k > p * maxLag {
            throw ValidationError("row-topk:\(k) exceeds the \(p * maxLag) candidate (source, lag) pairs per target")
        }
        return try truth.map { try TruthFile.read(path: $0, variables: dataset.variables) }
    }

    /// Attribution → scores → graph → files in `out` (scores.npy, graph.json, adjacency.csv,
    /// graph.dot, report.html, and metrics.json with truth); prints where they are and the metrics.
    /// `trainingLog`: the run's train_log.jsonl, drawn in the report when it exists.
    func perform(replicas: ReplicaSet, windows: WindowSet, dataset: Dataset, truth truthEdges: [LaggedEdge]?,
                 out: String, trainingLog logPath: String, provenance extra: [String: String]) throws {
        let rule = try rule
        let samples = Attributor.evaluationSamples(windows, count: evalSamples)
        guard let readout = try Attributor.compute(replicas: replicas, windows: windows, samples: samples,
                                                   method: attribution, aggregation: aggregate,
                                                   normalizePerTarget: normalize == .perTarget,
                                                   shards: max(2, MPICommunicator.world.size), perDomain: perDomain)
        else { return }   // other ranks: the coordinator gathered their targets and writes the outputs
        let scores = readout.scores
        let edges = Binarizer.apply(rule, to: scores, autoExponent: readout.relevanceExponent)
        // the same rule on each data shard's scores: in how many shards does each edge hold?
        let shardGraphs = readout.shardScores.map { Set(Binarizer.apply(rule, to: $0, autoExponent: readout.relevanceExponent)) }
        let agreement = Dictionary(uniqueKeysWithValues: edges.map { e in
            (e, Double(shardGraphs.filter { $0.contains(e) }.count) / Double(max(shardGraphs.count, 1)))
        })
        let evaluation = truthEdges.map { Evaluation.evaluate(predicted: edges, scores: scores, truth: $0) }
        var provenance = extra
        provenance["version"] = causewayVersion
        provenance["command"] = CommandLine.arguments.joined(separator: " ")
        provenance["data"] = dataset.path
        provenance["data_sha256"] = try dataset.contentDigest()
        provenance["eval_samples"] = String(readout.samples)
        provenance["threads"] = String(replicas.workers)
        provenance["agreement_shards"] = String(readout.shardScores.count)
        provenance["ranks"] = String(MPICommunicator.world.size)

        try NPYScores.write(scores, to: out + "/scores.npy")
        try GraphWriter.writeJSON(edges: edges, scores: scores, variables: dataset.variables,
                                  attribution: attribution.rawValue, binarize: rule.description,
                                  rankMean: readout.rankMean, rankStd: readout.rankStd, shardAgreement: agreement,
                                  provenance: provenance, to: out + "/graph.json")
        try AdjacencyWriter.write(edges: edges, variables: dataset.variables, to: out + "/adjacency.csv")
        try DotWriter.write(edges: edges, scores: scores, variables: dataset.variables, to: out + "/graph.dot")
        let log = FileManager.default.fileExists(atPath: logPath) ? try TrainingLogReader.read(path: logPath) : []
        try ReportWriter.write(ReportInput(variables: dataset.variables, maxLag: scores.maxLag, scores: scores, edges: edges,
                                           rankMean: readout.rankMean, rankStd: readout.rankStd, trainingLog: log,
                                           evaluation: evaluation, truth: truthEdges,
                                           title: "Causeway: \(datasetTitle(dataset.path))",
                                           provenance: provenance),
                               to: out + "/report.html")
        if let evaluation { try AtomicFile.write(try evaluation.jsonData(), to: out + "/metrics.json") }
        if perDomain {
            try writePerDomain(readout, rule: rule, dataset: dataset, truth: truthEdges, out: out, provenance: provenance)
        }

        print("graph: \(edges.count) edges (\(attribution.rawValue), \(rule)) → \(out)/graph.json, report: \(out)/report.html")
        if let evaluation { print(evaluation.table, terminator: "") }
    }
}

extension ReadoutOptions {
    /// OUT/domains/NAME/{scores.npy, graph.json, adjacency.csv, metrics.json with --truth} for
    /// every domain, each binarized alone with the same rule; prints one line per domain.
    func writePerDomain(_ readout: Attribution, rule: BinarizeRule, dataset: Dataset, truth: [LaggedEdge]?,
                        out: String, provenance: [String: String]) throws {
        for (d, domain) in dataset.domains.enumerated() where readout.domainSamples[d] > 0 {
            let scores = readout.domainScores[d]
            let edges = Binarizer.apply(rule, to: scores, autoExponent: readout.relevanceExponent)
            let dir = out + "/domains/" + safeFileName(domain.name, fallback: "domain\(d)")
            try AtomicFile.makeDirectory(dir)
            var p = provenance
            p["domain"] = domain.name
            p["eval_samples"] = String(readout.domainSamples[d])
            try NPYScores.write(scores, to: dir + "/scores.npy")
            try GraphWriter.writeJSON(edges: edges, scores: scores, variables: dataset.variables, attribution: attribution.rawValue,
                                      binarize: rule.description, provenance: p, to: dir + "/graph.json")
            try AdjacencyWriter.write(edges: edges, variables: dataset.variables, to: dir + "/adjacency.csv")
            var line = "domain \(domain.name): \(edges.count) edges from \(readout.domainSamples[d]) samples → \(dir)/graph.json"
            if let truth {
                let e = Evaluation.evaluate(predicted: edges, scores: scores, truth: truth)
                try AtomicFile.write(try e.jsonData(), to: dir + "/metrics.json")
                line += String(format: " (lagged F1 %.3f against --truth)", e.lagged.f1)
            }
            print(line)
        }
    }
}

/// `name` if it is a plain file name (letters, digits, . _ -), else `fallback`.
func safeFileName(_ name: String, fallback: String) -> String {
    let ok = !name.isEmpty && name != "." && name != ".." && name.allSatisfy { $0.isLetter || $0.isNumber || "._-".contains($0) }
    return ok ? name : fallback
}

/// A short name for a data path: the file name, or the folder name for a manifest.json.
func datasetTitle(_ path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.lastPathComponent == "manifest.json" ? url.deletingLastPathComponent().lastPathComponent : url.lastPathComponent
}
