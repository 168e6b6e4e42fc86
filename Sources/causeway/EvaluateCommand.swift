import ArgumentParser
import Causeway

/// `causeway evaluate`: compares a finished run with a known graph.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a run's graph against a true graph.",
        discussion: """
            Reads DIR/graph.json and DIR/scores.npy, compares them with --truth (CSV: \
            source,target,lag with variable names), prints precision, recall, F1 and SHD for the \
            lagged and summary graphs (with and without self-loops) and AUROC/AUPRC of the scores, \
            and writes DIR/metrics.json. report.html is not rewritten: it keeps the metrics of             the run's own --truth, if it had one (a discover with --truth on the run's checkpoint             writes a new report).
            """)

    @Option(name: .customLong("run"), help: "Run folder (holds graph.json and scores.npy).") var runDirectory: String
    @Option(help: "True graph, CSV with header source,target,lag.") var truth: String

    func run() throws {
        let (evaluation, missed, scoreRule) = try RunEvaluation.evaluateWithMissed(runDirectory: runDirectory, truthPath: truth)
        print(evaluation.table(missed: missed, scoreRule: scoreRule), terminator: "")
        print("metrics → \(runDirectory)/metrics.json (report.html is not rewritten; a discover with --truth on the run's checkpoint "
              + "writes a report with these metrics)")
    }
}
