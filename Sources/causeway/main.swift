import ArgumentParser

/// Temporary entry point while only `generate` exists; the full command list replaces it.
struct CausewayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "causeway",
        abstract: "Discover lagged causal graphs in time series with a transformer.",
        subcommands: [Generate.self])
}

CausewayCommand.main()
