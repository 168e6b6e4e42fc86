import ArgumentParser
import Causeway
import Foundation

enum ScoreNormalization: String, CaseIterable, ExpressibleByArgument {
    case none
    case perTarget = "per-target"
}

extension AttributionMethod: ExpressibleByArgument {}
extension ScoreAggregation: ExpressibleByArgument {}
extension FDRMethod: ExpressibleByArgument {}
extension NullDraw: ExpressibleByArgument {}
extension TestFamily: ExpressibleByArgument {}

/// Readout flags shared by `run` and `discover`, and the wiring from a trained model to the
/// output files.
struct ReadoutOptions: ParsableArguments {
    @Option(help: "Attribution method: lrp, attnlrp, gradient, grad-input, attention or abcd (variable tokens only). abcd: partial correlations of the deepest attention layer read as a linear SEM and a lagged PC search, whose p-values replace the held-out tests.")
    var attribution: AttributionMethod = .lrp
    @Option(name: .customLong("abcd-sample-size"), help: "abcd: the effective sample size n of the Fisher z-tests (default: the evaluation samples averaged, at most the training windows that share no row: windows ÷ (max lag + 1)).")
    var abcdSampleSize: Double?
    @Option(help: "Score aggregation over samples: abs (mean |R|) or square (mean R²).")
    var aggregate: ScoreAggregation = .abs
    @Option(help: "Score normalisation: none, or per-target (each target's scores sum to 1).")
    var normalize: ScoreNormalization = .none
    @Option(name: .customLong("eval-samples"), help: "Windows averaged by the readout (spread over all domains; default: 1000, fewer above 200 variables: 200,000 / p, at least 200, since each costs one backward pass per target).")
    var evalSamples: Int?

    /// --eval-samples, or its default for p variables: min(1000, max(200, 200,000 / p)). The
    /// readout costs p backward passes per sample; the scores only rank the candidates the tests
    /// then decide, so at large p fewer samples keep the readout at the cost of 1,000 samples at p = 200.
    func samples(variables p: Int) -> Int { evalSamples ?? min(1000, max(200, 200_000 / max(p, 1))) }
    @Option(help: "Decision rule: fdr:Q (default fdr:0.05: edges whose q-value ≤ Q, false discovery rate controlled at Q), pvalue:A (p ≤ A, uncorrected), auto (Otsu split of the scores, no error control), row-topk:K, global-topk:K or threshold:T.")
    var binarize: String?
    @Option(name: .customLong("fdr-method"), help: "Multiple-testing correction for q-values and fdr:Q: bh (Benjamini–Hochberg; the default) or by (Benjamini–Yekutieli, valid under any dependence, more conservative; the default with --attribution abcd, whose p-values all come from one covariance).")
    var fdrMethodOption: FDRMethod?
    /// BH, or BY for abcd: the search's p-values are partial correlations of one covariance
    /// matrix, a dependence BH's positive-dependence condition does not cover (measured in
    /// docs/accuracy.md: fewer false edges on null data and a higher F1 on linear sets).
    var fdrMethod: FDRMethod { fdrMethodOption ?? (attribution == .abcd ? .by : .bh) }
    @Option(help: "Which candidates fdr:Q and pvalue:A test: screened (the candidates the auto rule picks from the attribution scores, which come from training windows, plus the edges between different variables above the Otsu cut of their own scores; default), wide (twice as many of the highest-scoring candidates) or all (all L·p·p candidates; always, when there are at most 20).")
    var tests: TestFamily = .screened
    @Option(name: .customLong("null-draw"), help: "How a tested input is replaced in held-out windows: conditional (drawn given the window's other inputs from an additive model with cubic terms and hinges as the windows allow; default), linear (drawn from a linear model of the other inputs: false edges when inputs are tied nonlinearly, e.g. chaotic maps) or permutation (plain shuffle, for comparison: false edges with correlated inputs).")
    var nullDraw: NullDraw = .conditional
    @Option(name: .customLong("null-repeats"), help: "Null draws per held-out window and input (more = less noise in the tests, linear cost; default: ⌈1000 ÷ held-out windows⌉ and at least 4 below 750 windows, at most 16; from 750, ⌈3000 ÷ windows⌉ down to 2).")
    var nullRepeats: Int?
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
            return try binarize.map { try BinarizeRule(parsing: $0) } ?? .default
        }
    }

    func validate() throws {
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1 (got \(topK))") }
        if topK != nil && binarize != nil { throw ValidationError("give --binarize or --top-k, not both") }
        do { _ = try rule } catch let e as CausewayError { throw ValidationError(e.message) }
        if let evalSamples, evalSamples < 1 { throw ValidationError("--eval-samples must be at least 1 (got \(evalSamples))") }
        if let evalSamples, evalSamples < ABCD.minimumSamples && attribution == .abcd {
            throw ValidationError("--attribution abcd needs --eval-samples of at least \(ABCD.minimumSamples) (got \(evalSamples)): they set the n of its Fisher z-tests")
        }
        if let abcdSampleSize, !(abcdSampleSize > 3) || !abcdSampleSize.isFinite {
            throw ValidationError("--abcd-sample-size must be a finite number above 3 (got \(abcdSampleSize))")
        }
        if abcdSampleSize != nil && attribution != .abcd { throw ValidationError("--abcd-sample-size needs --attribution abcd") }
        if perDomain && attribution == .abcd { throw ValidationError("--per-domain is not available with --attribution abcd") }
        if let nullRepeats, nullRepeats < 1 || nullRepeats > 100 { throw ValidationError("--null-repeats must be between 1 and 100 (got \(nullRepeats))") }
    }

    /// `checkpoint`: the path of the checkpoint whose model is checked (discover), nil for run.
    func validate(tokens: Tokenization, checkpoint: String? = nil) throws {
        guard attribution.needsVariableTokens && tokens != .variable else { return }
        if let checkpoint {
            throw ValidationError("--attribution \(attribution.rawValue) needs a model with variable tokens, and \(checkpoint) was trained with "
                + "\(tokens.rawValue) tokens (a step token mixes all variables); train one with causeway run --tokens variable")
        }
        throw ValidationError("--attribution \(attribution.rawValue) needs --tokens variable (a step token mixes all variables)")
    }

    /// Checks that depend on the data; returns the truth edges (read now, so a bad file fails
    /// before any training).
    func checkInputs(dataset: Dataset, maxLag: Int, validationFraction: Double) throws -> [LaggedEdge]? {
        let p = dataset.variables.count
        if case .rowTopK(let k) = try rule, k > p * maxLag {
            throw CausewayError("--binarize row-topk:\(k): more than the \(p * maxLag) candidate (source, lag) pairs per target")
        }
        let edges = try truth.map { try TruthFile.read(path: $0, variables: dataset.variables) }
        if try rule.usesPValues && attribution != .abcd {   // the score rules run without tests when too few windows are held out
            // the windows the tests will have: after those touching a missing cell are left out
            let windows = WindowSet(sources: dataset.domains.map(\.series), maxLag: maxLag, validationFraction: validationFraction)
            let planned = dataset.domains.reduce(0) {
                $0 + WindowSet.validationWindowCount(rows: $1.series.rows, maxLag: maxLag, validationFraction: validationFraction)
            }
            do {
                try PredictiveImpact.checkHeldOut(windows.validation.count, droppedHeldOut: max(0, planned - windows.validation.count))
            } catch let e as CausewayError {
                // name the columns with missing cells in the held-out rows: those cost the windows
                var columns = Set<Int>()
                for d in dataset.domains {
                    let s = d.series
                    let first = WindowSet.trainingRows(rows: s.rows, validationFraction: validationFraction)
                    for t in first..<s.rows { for j in 0..<s.columns where s.value(t, j).isNaN { columns.insert(j) } }
                }
                guard !columns.isEmpty else { throw e }
                let names = columns.sorted().map { dataset.variables[$0] }
                throw CausewayError(e.message + "; the held-out rows have missing cells in " + names.map { "'\($0)'" }.joined(separator: ", ")
                    + " (--drop-columns \(names.joined(separator: ",")) leaves \(names.count == 1 ? "it" : "them") out)")
            }
        }
        return edges
    }

    /// Before training: a note when --truth holds edges beyond the max lag (they count as missed).
    static func truthBeyondMaxLagNote(_ edges: [LaggedEdge]?, maxLag: Int) -> String? {
        guard let edges else { return nil }
        let beyond = edges.filter { $0.lag > maxLag }
        guard !beyond.isEmpty, let top = beyond.map(\.lag).max() else { return nil }
        return "note: \(beyond.count) edge\(beyond.count == 1 ? "" : "s") of --truth \(beyond.count == 1 ? "has a lag" : "have lags") beyond "
            + "--max-lag \(maxLag) (up to \(top)): the model cannot see \(beyond.count == 1 ? "it" : "them"), so the metrics count "
            + "\(beyond.count == 1 ? "it" : "them") as missed; --max-lag \(top) can find \(beyond.count == 1 ? "it" : "them")"
    }

    /// Up to this many inputs (L·p) every candidate is tested; above, only the screened
    /// candidates (the tests cost one pass over the held-out windows per input, so
    /// they would outgrow training at large p: +103% at p = 100, L = 3; docs/accuracy.md).
    static let testAllInputs = 100

    /// Attribution → scores → graph → files in `out` (scores.npy, graph.json, adjacency.csv,
    /// graph.dot, report.html, and metrics.json with truth); prints where they are and the metrics.
    /// `trainingLog`: the run's train_log.jsonl, drawn in the report when it exists. `started`:
    /// when the command started (provenance `wall_time_s`).
    func perform(replicas: ReplicaSet, windows: WindowSet, dataset: Dataset, truth truthEdges: [LaggedEdge]?,
                 out: String, trainingLog logPath: String, seed: UInt64, diagnostics inputDiagnostics: [Diagnostic],
                 quiet: Bool = false, listing: Bool = true, started: Date, provenance extra: Provenance) throws {
        let rule = try rule
        let world = MPICommunicator.world
        // scores → tests → decision. The collective steps run on every rank in this order; the
        // coordinator gathers the pieces and writes the outputs.
        let readoutStarted = Date()
        let samples = Attributor.evaluationSamples(windows, count: samples(variables: replicas.primary.config.variables))
        let isABCD = attribution == .abcd
        if isABCD && world.isCoordinator {
            let blocks = replicas.primary.config.layers
            fputs("warning: --attribution abcd is experimental: on generated linear sets (p = 10) its graph had lagged F1 0.74–0.97 "
                  + "(mean 0.83) where the default readout (lrp with held-out tests) had 1.00 (docs/accuracy.md); draw conclusions "
                  + "from the default readout\n"
                  + (blocks > 1 ? "warning: this model has \(blocks) blocks and abcd reads only the deepest one's attention, which "
                     + "measured F1 0.09–0.26 with 2 blocks; train with --layers 1 (abcd's default)\n" : ""), stderr)
        }
        let abcd = isABCD ? try ABCD.compute(replicas: replicas, windows: windows, samples: samples, shards: max(2, world.size),
                                             sampleSize: abcdSampleSize,
                                             progress: StageProgress("readout (abcd)", unit: "samples",
                                                                     quiet: quiet || !world.isCoordinator).update) : nil
        let readout = isABCD ? abcd?.attribution
            : try Attributor.compute(replicas: replicas, windows: windows, samples: samples,
                                     method: attribution, aggregation: aggregate,
                                     normalizePerTarget: normalize == .perTarget,
                                     shards: max(2, world.size), perDomain: perDomain,
                                     progress: StageProgress("readout (\(attribution.rawValue))",
                                                             unit: "samples × \(world.share(of: replicas.primary.config.variables).count) targets",
                                                             quiet: quiet || !world.isCoordinator, ranks: world.size).update)
        let readoutSeconds = Date().timeIntervalSince(readoutStarted)
        // which candidates to test: all of them when L·p ≤ testAllInputs or with --tests all,
        // else the screened ones (chosen on the coordinator, broadcast to all)
        let c = replicas.primary.config, m = c.maxLag * c.variables
        var candidates: [[Int]]? = nil
        if !isABCD && tests != .all && m > Self.testAllInputs {
            // mask [m, p]: row r·p + j (source j at lag L − r), column = target
            let p = c.variables
            var mask = [Float](repeating: 0, count: m * p)
            if let readout {
                let family = Decision.screen(readout.scores, exponent: readout.relevanceExponent, factor: tests == .wide ? 2 : 1)
                for e in family { mask[((c.maxLag - e.lag) * p + e.source) * p + e.target] = 1 }
            }
            mask.withUnsafeMutableBufferPointer { world.broadcast($0.baseAddress!, count: m * p, root: 0) }
            candidates = (0..<m).map { input in (0..<p).filter { mask[input * p + $0] != 0 } }
        }
        // (a score rule with too few held-out windows runs without tests: the same on every rank)
        let canTest = !isABCD && windows.validation.count >= PredictiveImpact.minimumHeldOut
        let testsStarted = Date()
        let repeats = nullRepeats ?? PredictiveImpact.defaultRepeats(heldOutWindows: windows.validation.count)
        let significance = canTest ? try PredictiveImpact.test(replicas: replicas, windows: windows, heldOut: windows.validation,
                                                         draw: nullDraw, repeats: repeats, seed: seed,
                                                         perDomain: perDomain, candidates: candidates,
                                                         progress: StageProgress("tests (held-out windows)", unit: "inputs",
                                                                                 quiet: quiet || !world.isCoordinator, ranks: world.size).update) : nil
        let testSeconds = Date().timeIntervalSince(testsStarted)
        var extraWarning: String? = canTest || isABCD ? nil
            : "per-edge tests skipped: \(windows.validation.count) held-out window(s), fewer than \(PredictiveImpact.minimumHeldOut); no p-values"
        if let extraWarning, world.isCoordinator { fputs("warning: \(extraWarning)\n", stderr) }
        guard let readout else { return }   // other ranks: the coordinator gathered their pieces and writes the outputs
        let scores = readout.scores
        // abcd: the search's p-values, a family of all L·p·p candidates (the search itself prunes)
        let pValues = abcd?.pValues ?? significance?.pValues
        let decision = try Decision.make(rule: rule, scores: scores, pValues: pValues,
                                         fdrMethod: fdrMethod, family: isABCD ? .all : tests, autoExponent: readout.relevanceExponent)
        let edges = decision.edges
        let summary = abcd.map { DecisionSummary(decision, test: ABCD.testName, sampleSize: $0.sampleSize) }
            ?? DecisionSummary(decision, significance)
        if let significance, rule.usesPValues && significance.windows < 100 {
            let L = c.maxLag, p = c.variables
            let warning = "only \(significance.windows) held-out windows: the tests have little power, so few or no edges "
                + "can be claimed at this FDR level; give a longer series, "
                + (L > 2 ? "a --max-lag no larger than the lags you expect (each lag adds \(p) inputs to the model and \(p * p) candidates to the correction; this run: \(L)), " : "")
                + "or hold out more rows (--validation-fraction; they are taken from training). --binarize auto needs no tests "
                + "but has no error control: on noise of this size it reports many false edges"
            fputs("warning: \(warning)\n", stderr)
            extraWarning = warning
        }
        // forecast errors correlated within a time step: lagged edges between those variables may not be direct
        // (both the model's and a separate regression's errors; skipped above SameStepErrors.maxLinearInputs inputs)
        let sameStep = significance.flatMap { s in
            SameStepErrors.regressionErrors(windows: windows, heldOut: windows.validation).flatMap { regression in
                SameStepErrors.diagnostic(SameStepErrors.excludingCollinear(SameStepErrors.pairs(model: s.forecastErrors, regression: regression),
                                                                            diagnostics: inputDiagnostics, variables: dataset.variables),
                                          variables: dataset.variables, windows: s.windows, edges: edges)
            }
        }
        if let sameStep { fputs("warning: \(sameStep.message)\n", stderr) }
        let trendNote = EdgeListing.sharedTrendNote(edges: edges, diagnostics: inputDiagnostics, variables: dataset.variables)
        let lagNote = EdgeListing.maxLagNote(edges: edges, outsideScreen: summary.passingOutsideScreen.map(\.edge),
                                             maxLag: c.maxLag, variables: dataset.variables)
        // how many data shards' scores support each edge: the same rule on each shard's scores,
        // or, for the p-value rules, the shard's global top-|edges| by score
        let shardGraphs = readout.shardScores.map { shard in
            Set(rule.usesPValues ? Binarizer.globalTopK(shard, k: edges.count)
                                 : Binarizer.apply(rule, to: shard, autoExponent: readout.relevanceExponent))
        }
        let agreement = Dictionary(uniqueKeysWithValues: edges.map { e in
            (e, Double(shardGraphs.filter { $0.contains(e) }.count) / Double(max(shardGraphs.count, 1)))
        })
        let evaluation = truthEdges.map { Evaluation.evaluate(predicted: edges, scores: scores, truth: $0) }
        var provenance = extra
        provenance["version"] = .text(causewayVersion)
        provenance["command"] = .text(CommandLine.arguments.joined(separator: " "))
        provenance["data"] = .text(dataset.path)
        provenance["data_sha256"] = .text(try dataset.contentDigest())
        provenance["eval_samples"] = .count(readout.samples)
        provenance["threads"] = .count(replicas.workers)
        provenance["agreement_shards"] = .count(readout.shardScores.count)
        provenance["ranks"] = .count(MPICommunicator.world.size)
        provenance["significance_s"] = .seconds(testSeconds)
        provenance["readout_s"] = .seconds(readoutSeconds)
        if let abcd {
            provenance["abcd_effective_n"] = .number(abcd.sampleSize)
            provenance["abcd_ci_tests"] = .count(abcd.tests)
            provenance["abcd_heads"] = .text(abcd.heads)
        }
        if let extraWarning { provenance["warning"] = .text(extraWarning) }
        let plan = perDomain ? perDomainPlan(readout, significance: significance, rule: rule, dataset: dataset) : []
        if perDomain {
            // the shared graph says where the per-domain graphs are (and why a domain has none)
            provenance["per_domain"] = .text(plan.map { "\($0.name): " + ($0.folder.map { "domains/\($0)/" } ?? $0.reason ?? "") }
                .joined(separator: "; "))
        }
        var diagnostics = inputDiagnostics
        if let extraWarning { diagnostics.append(Diagnostic(kind: .smallSample, columns: [], message: extraWarning)) }
        if let sameStep { diagnostics.append(sameStep) }
        if let trendNote { diagnostics.append(trendNote) }
        if let lagNote { diagnostics.append(lagNote) }
        // one range per domain (each has its own time axis); one domain: its range alone
        let times = dataset.domains.compactMap { d in d.time.map { (d.name, $0.summary) } }
        if !times.isEmpty {
            provenance["time"] = .text(times.count == 1 && dataset.domains.count == 1 ? times[0].1
                                       : times.map { "\($0.0): \($0.1)" }.joined(separator: "; "))
        }
        provenance["wall_time_s"] = .seconds(Date().timeIntervalSince(started))   // the whole run, before writing

        try NPYScores.write(scores, to: out + "/scores.npy")
        if let abcd { try NPYScores.write(abcd.pValues, to: out + "/pvalues.npy") }
        if let significance {
            try NPYScores.write(significance.pValues, to: out + "/pvalues.npy")
            try NPYScores.write(significance.lossIncrease, to: out + "/impact.npy")
        }
        if let q = decision.qValues { try NPYScores.write(q, to: out + "/qvalues.npy") }
        try GraphWriter.writeJSON(edges: edges, scores: scores, variables: dataset.variables,
                                  attribution: attribution.rawValue, binarize: rule.description,
                                  rankMean: readout.rankMean, rankStd: readout.rankStd, shardAgreement: agreement,
                                  decision: summary, diagnostics: diagnostics, provenance: provenance,
                                  to: out + "/graph.json")
        try AdjacencyWriter.write(edges: edges, variables: dataset.variables, to: out + "/adjacency.csv")
        try DotWriter.write(edges: edges, scores: scores, variables: dataset.variables, to: out + "/graph.dot")
        try TigramiteExport.write(edges: edges, scores: scores, pValues: pValues,
                                  variables: dataset.variables, to: out + "/graph.npz")
        try GraphMLWriter.write(edges: edges, scores: scores, pValues: pValues, qValues: decision.qValues,
                                variables: dataset.variables, to: out + "/graph.graphml")
        let log = FileManager.default.fileExists(atPath: logPath) ? try TrainingLogReader.read(path: logPath) : []
        try ReportWriter.write(ReportInput(variables: dataset.variables, maxLag: scores.maxLag, scores: scores, edges: edges,
                                           rankMean: readout.rankMean, rankStd: readout.rankStd, trainingLog: log,
                                           evaluation: evaluation, truth: truthEdges,
                                           title: "Causeway: \(datasetTitle(dataset.path))",
                                           provenance: provenance, decision: decision,
                                           decisionSummary: summary, diagnostics: diagnostics, attribution: attribution),
                               to: out + "/report.html")
        if let evaluation { try AtomicFile.write(try evaluation.jsonData(), to: out + "/metrics.json") }
        if perDomain {
            try writePerDomain(readout, plan: plan, significance: significance, rule: rule, dataset: dataset, truth: truthEdges,
                               out: out, provenance: provenance)
        }
        guard listing else { return }   // a study prints one line per run instead
        print(EdgeListing.text(decision, summary: summary, scores: scores, impact: significance?.lossIncrease,
                               variables: dataset.variables, limit: 20), terminator: "")
        if let trendNote { fputs("warning: \(trendNote.message)\n", stderr) }
        if let lagNote, !quiet { print("note: \(lagNote.message)") }
        print(Self.filesSummary(edges: edges.count, method: attribution.rawValue, rule: rule.description, out: out,
                                hasPValues: pValues != nil, hasMetrics: evaluation != nil,
                                        hasImpact: significance != nil), terminator: "")
        if let evaluation {
            let missed = rule.usesPValues ? truthEdges.flatMap { MissedTrueEdges(truth: $0, edges: edges, qValues: decision.qValues, pValues: decision.pValues) } : nil
            print(evaluation.table(missed: missed, scoreRule: !rule.usesPValues), terminator: "")
        }
    }
}

extension ReadoutOptions {
    /// The end-of-run lines: how many edges, then where every file is, one line each.
    static func filesSummary(edges: Int, method: String, rule: String, out: String, hasPValues: Bool, hasMetrics: Bool,
                             hasImpact: Bool = true) -> String {
        let dir = out.hasSuffix("/") ? out : out + "/"
        var lines = ["graph: \(edges) edge\(edges == 1 ? "" : "s") (attribution \(method), decision \(rule)); files in \(dir)",
                     "  report.html    the report: open it in a browser",
                     "  graph.json     the edges with their scores" + (hasPValues ? ", p-values and q-values" : "") + ", the decision, provenance",
                     "  graph.npz      the graph in tigramite's layout (plot_time_series_graph, plot_graph)",
                     "  graph.graphml  the graph for networkx, Gephi, Cytoscape; graph.dot for Graphviz; adjacency.csv",
                     "  scores.npy     every candidate's score, [max lag, p, p] indexed (lag-1, source, target)"]
        if hasPValues {
            lines.append("  pvalues.npy    p-values, same shape; qvalues.npy q-values" + (hasImpact ? "; impact.npy the tests' loss increase" : ""))
        }
        if hasMetrics { lines.append("  metrics.json   precision, recall, F1 against --truth") }
        lines.append("  every file and field: docs/outputs.md in the Causeway repository")
        return lines.joined(separator: "\n") + "\n"
    }

    /// OUT/domains/FOLDER/{scores.npy, graph.json, adjacency.csv, metrics.json with --truth} for
    /// every domain (FOLDER from `domainFolderNames`), each binarized alone with the same rule;
    /// prints one line per domain, also for a domain left out (no evaluation window, or too few
    /// held-out windows for a p-value rule's tests).
    /// Each domain's --per-domain outcome, in domain order: its folder under OUT/domains/, or
    /// why it gets no graph (no evaluation window; too few held-out windows for a p-value rule).
    func perDomainPlan(_ readout: Attribution, significance: Significance?, rule: BinarizeRule,
                       dataset: Dataset) -> [(name: String, folder: String?, reason: String?)] {
        let folders = domainFolderNames(dataset.domains.map(\.name))
        return dataset.domains.enumerated().map { d, domain in
            if readout.domainSamples[d] == 0 {
                return (domain.name, nil, "no graph: none of its \(domain.series.rows) rows' windows was among the evaluation samples "
                        + (domain.series.missingRows.isEmpty ? "(a window needs max lag + 2 rows)"
                           : "(its windows touch missing cells, or it is shorter than max lag + 2 rows)"))
            }
            if rule.usesPValues, let heldOut = significance?.domainWindows[d], heldOut < PredictiveImpact.minimumHeldOut {
                return (domain.name, nil, "no graph: \(heldOut) held-out window(s), fewer than the \(PredictiveImpact.minimumHeldOut) "
                        + "its tests need (a longer series for this domain, or --validation-fraction)")
            }
            return (domain.name, folders[d], nil)
        }
    }

    func writePerDomain(_ readout: Attribution, plan: [(name: String, folder: String?, reason: String?)], significance: Significance?,
                        rule: BinarizeRule, dataset: Dataset, truth: [LaggedEdge]?, out: String, provenance: Provenance) throws {
        for (d, domain) in dataset.domains.enumerated() {
            guard let folder = plan[d].folder else {
                print("domain \(domain.name): \(plan[d].reason ?? "no graph")")
                continue
            }
            let heldOut = significance?.domainWindows[d]
            let scores = readout.domainScores[d]
            let pValues = significance?.domainPValues[d]
            let decision = try Decision.make(rule: rule, scores: scores, pValues: pValues, fdrMethod: fdrMethod,
                                             family: tests, autoExponent: readout.relevanceExponent)
            let edges = decision.edges
            let dir = out + "/domains/" + folder
            try AtomicFile.makeDirectory(dir)
            var p = provenance
            p["domain"] = .text(domain.name)
            if let time = domain.time { p["time"] = .text(time.summary) } else { p["time"] = nil }
            p["eval_samples"] = .count(readout.domainSamples[d])
            try NPYScores.write(scores, to: dir + "/scores.npy")
            if let pValues { try NPYScores.write(pValues, to: dir + "/pvalues.npy") }
            let summary = DecisionSummary(decision, significance, windows: significance?.domainWindows[d])
            try GraphWriter.writeJSON(edges: edges, scores: scores, variables: dataset.variables, attribution: attribution.rawValue,
                                      binarize: rule.description, decision: summary, provenance: p, to: dir + "/graph.json")
            try AdjacencyWriter.write(edges: edges, variables: dataset.variables, to: dir + "/adjacency.csv")
            var line = "domain \(domain.name): \(edges.count) edge\(edges.count == 1 ? "" : "s") from \(readout.domainSamples[d]) samples"
                + (rule.usesPValues && (heldOut ?? 0) < 100 ? " (only \(heldOut ?? 0) held-out windows: low power)" : "")
                + " → \(dir)/graph.json"
            if let truth {
                let e = Evaluation.evaluate(predicted: edges, scores: scores, truth: truth)
                try AtomicFile.write(try e.jsonData(), to: dir + "/metrics.json")
                line += String(format: " (lagged F1 %.3f against --truth)", e.lagged.f1)
            }
            print(line)
        }
    }
}

/// One folder name per domain, distinct and safe as a single path component: every character
/// but letters, digits, `.`, `_` and `-` becomes `_` ("site A/2" → "site_A_2"), a leading dot
/// too ("../x" → "___x": never hidden, never a parent folder), an empty result `domainN`; a name
/// already taken (ignoring case, for case-insensitive file systems) gets `-2`, `-3`, ….
func domainFolderNames(_ names: [String]) -> [String] {
    var used = Set<String>(), result: [String] = []
    for (d, name) in names.enumerated() {
        var safe = String(name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
        let dots = safe.prefix { $0 == "." }.count
        safe = String(repeating: "_", count: dots) + safe.dropFirst(dots)
        if safe.isEmpty { safe = "domain\(d)" }
        var candidate = safe, k = 2
        while used.contains(candidate.lowercased()) { candidate = "\(safe)-\(k)"; k += 1 }
        used.insert(candidate.lowercased())
        result.append(candidate)
    }
    return result
}

/// A short name for a data path: the file name, or the folder name for a manifest.json.
func datasetTitle(_ path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.lastPathComponent == "manifest.json" ? url.deletingLastPathComponent().lastPathComponent : url.lastPathComponent
}
