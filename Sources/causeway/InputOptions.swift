import ArgumentParser
import Causeway

/// The data and output flags shared by `run` and `discover`.
struct InputOptions: ParsableArguments {
    @Option(help: "Input: a CSV file, an NPY file [T, p] (float32/float64), or a manifest JSON of several domains.")
    var data: String
    @Flag(name: .customLong("no-header"), help: "The CSV files have no header row (variables are named x0, x1, …).")
    var noHeader = false
    @Option(help: "Output folder (created if missing).")
    var out: String

    func loadDataset() throws -> Dataset { try DatasetLoader.load(path: data, header: !noHeader) }
}
