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
    @Option(name: .customLong("per-rank-batch"), help: "Weak scaling: windows per rank per step (global batch = this × ranks; overrides --batch).")
    var perRankBatch: Int?
    @Option(name: .customLong("attribution-samples"), help: "Also time an lrp readout of this many windows (targets split over ranks).")
    var attributionSamples: Int?
    @Flag(name: .customLong("overlap-allreduce"), help: "Start the gradient all-reduce bucket by bucket during backward.")
    var overlapAllreduce = false
    @Flag(help: "Instead of training, time all-reduce for message sizes 256 B … 16 MiB and fit t = α + β·bytes.")
    var allreduce = false

    func validate() throws {
        if variables < 1 { throw ValidationError("--variables must be at least 1 (got \(variables))") }
        if !(seconds > 0) { throw ValidationError("--seconds must be positive (got \(seconds))") }
        if let perRankBatch, perRankBatch < 1 { throw ValidationError("--per-rank-batch must be at least 1 (got \(perRankBatch))") }
        if let attributionSamples, attributionSamples < 1 {
            throw ValidationError("--attribution-samples must be at least 1 (got \(attributionSamples))")
        }
    }

    func run() throws {
        try coordinated { world, agreement in
            try agreement.passed()
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            if allreduce {
                var points: [(bytes: Double, seconds: Double)] = []
                var floats = 64
                while floats <= 4 << 20 {
                    let t = TrainingBenchmark.allReduceSeconds(floats: floats)
                    points.append((Double(4 * floats), t))
                    if world.isCoordinator { print("{\"allreduce_bytes\":\(4 * floats),\"seconds\":\(t),\"ranks\":\(world.size)}") }
                    floats *= 4
                }
                let fit = TrainingBenchmark.fitAlphaBeta(points)
                if world.isCoordinator { print("{\"alpha_s\":\(fit.alpha),\"beta_s_per_byte\":\(fit.beta),\"ranks\":\(world.size)}") }
                return
            }
            let batch = perRankBatch.map { $0 * world.size } ?? model.batch
            let result = try TrainingBenchmark.run(model: model.config(variables: variables), batch: batch, seconds: seconds,
                                                   attributionSamples: attributionSamples, overlapAllReduce: overlapAllreduce)
            if world.isCoordinator { print(String(decoding: try enc.encode(result), as: UTF8.self)) }
        }
    }
}
