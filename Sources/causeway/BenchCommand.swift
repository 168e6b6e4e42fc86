import ArgumentParser
import Causeway
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training throughput (windows/s, GFLOP/s) and OpenBLAS sgemm speed; prints one JSON line.")

    @OptionGroup var model: ModelOptions
    @Option(help: "Number of variables p of the random benchmark data.")
    var variables: Int = 20
    @Option(help: "Seconds of timed training steps.")
    var seconds: Double = 5

    func validate() throws {
        if variables < 1 { throw ValidationError("--variables must be at least 1 (got \(variables))") }
        if !(seconds > 0) { throw ValidationError("--seconds must be positive (got \(seconds))") }
    }

    func run() throws {
        let result = try TrainingBenchmark.run(model: model.config(variables: variables), batch: model.batch, seconds: seconds)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        print(String(decoding: try enc.encode(result), as: UTF8.self))
    }
}
