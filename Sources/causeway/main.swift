import ArgumentParser
import Causeway
import Foundation
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

/// The first `--option -NUMBER` (the argument parser reads -1 as a flag and says "Missing value"),
/// as (option, value); nil when there is none.
func negativeValue(in arguments: [String]) -> (String, String)? {
    for (i, a) in arguments.enumerated() where a.hasPrefix("--") && !a.contains("=") && i + 1 < arguments.count {
        let next = arguments[i + 1]
        if next.count >= 2, next.hasPrefix("-"), Double(next) != nil { return (a, next) }
    }
    return nil
}

/// This process's MPI rank from the launcher's environment (mpirun/hydra: PMI_RANK; srun:
/// SLURM_PROCID; Open MPI, PMIx), read before MPI starts; 0 when not launched as a rank.
let launcherRank = ["PMI_RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMIX_RANK"]
    .lazy.compactMap { ProcessInfo.processInfo.environment[$0].flatMap { Int($0) } }.first ?? 0

/// Ends the process with `error`'s message and exit status. Every rank parses the same
/// arguments and checks the same inputs before the MPI work, so they fail alike: rank 0 alone
/// prints (errors inside the MPI work are `coordinated`'s).
func fail(_ error: Error) -> Never {
    if launcherRank != 0 { exit(CausewayCommand.exitCode(for: error).rawValue) }
    CausewayCommand.exit(withError: error)
}

/// A usage error with Causeway's own message (exit status 64), printed by rank 0.
func failUsage(_ message: String) -> Never {
    if launcherRank == 0 { fputs(message + "\n", stderr) }
    exit(ExitCode.validationFailure.rawValue)
}

let arguments = Array(CommandLine.arguments.dropFirst())
if let (option, value) = negativeValue(in: arguments) {
    failUsage("Error: \(option) \(value): write a negative value as \(option)=\(value) (after a space it reads as an option)")
}
if let (flag, instead) = habitualFlag(in: arguments) {
    let command = arguments.first.map { $0.hasPrefix("-") ? "" : " " + $0 } ?? ""
    failUsage("Error: unknown option '\(flag)': Causeway calls it \(instead)\nSee 'causeway\(command) --help' for every option.")
}
do {
    var command = try CausewayCommand.parseAsRoot(arguments)
    try command.run()
} catch {
    fail(error)
}
