import ArgumentParser
import Causeway
#if canImport(Glibc)
import Glibc
#endif

/// The `causeway` command line: argument parsing and wiring only, no math.
struct CausewayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "causeway",
        abstract: "Discover lagged causal graphs in multivariate time series with a forecasting transformer.",
        version: Causeway.causewayVersion,
        subcommands: [Run.self, Discover.self, Evaluate.self, Generate.self, Study.self, Bench.self])
}

/// Options users of other tools type by habit, with the flag Causeway calls them. None of these
/// is a Causeway option, so the argument parser's own suggestion (the nearest spelling, e.g.
/// "--data" for "--lags") would mislead.
let habitualFlags: [String: String] = [
    "--lags": "--max-lag", "--lag": "--max-lag", "--max-lags": "--max-lag", "--maxlag": "--max-lag", "--tau-max": "--max-lag",
    "--output": "--out", "--output-dir": "--out", "--outdir": "--out", "-o": "--out",
    "--input": "--data", "--file": "--data", "--csv": "--data",
    "--alpha": "--binarize pvalue:A (or fdr:Q)", "--fdr": "--binarize fdr:Q", "--q": "--binarize fdr:Q",
    "--epoch": "--epochs", "--threads": "OPENBLAS_NUM_THREADS (environment) or mpirun -n",
    "--header": "nothing (a header row is the default; --no-header if there is none)",
]

/// The first habitual flag in `arguments` (before a bare `--`), as (flag, what to use instead).
func habitualFlag(in arguments: [String]) -> (String, String)? {
    for a in arguments {
        if a == "--" { return nil }
        let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
        if let instead = habitualFlags[name] { return (name, instead) }
    }
    return nil
}

let arguments = Array(CommandLine.arguments.dropFirst())
if let (flag, instead) = habitualFlag(in: arguments) {
    let command = arguments.first.map { $0.hasPrefix("-") ? "" : " " + $0 } ?? ""
    fputs("Error: unknown option '\(flag)': Causeway calls it \(instead)\n"
          + "See 'causeway\(command) --help' for every option.\n", stderr)
    exit(ExitCode.validationFailure.rawValue)
}
CausewayCommand.main()
