import ArgumentParser
import Causeway

/// The `causeway` command line: argument parsing and wiring only, no math.
struct CausewayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "causeway",
        abstract: "Discover lagged causal graphs in multivariate time series with a forecasting transformer.",
        version: Causeway.causewayVersion,
        subcommands: [Run.self, Discover.self, Evaluate.self, Generate.self, Study.self, Bench.self])
}

CausewayCommand.main()
