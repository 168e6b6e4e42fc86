import CBLAS
import Foundation

/// Throughput of training steps on random data, the FLOP rate it implies, and OpenBLAS's
/// own sgemm rate on this machine in the same process.
public enum TrainingBenchmark {
    public struct Result: Codable {
        public let tokens: String
        public let variables: Int, max_lag: Int, d_model: Int, layers: Int, heads: Int, batch: Int
        public let threads: String
        public let workers: Int
        public let ranks: Int
        public let overlap_allreduce: Bool
        public let steps: Int
        public let step_ms: Double
        public let train_windows_per_s: Double
        public let train_gflop_per_s: Double
        public let sgemm_gflop_per_s: Double
        /// Share of the step's wall time spent in collectives (gradient and loss all-reduce).
        public let allreduce_share: Double
        /// Seconds for an lrp readout of `attribution_samples` windows (targets split over ranks;
        /// fastest of three, each ended by a barrier so the slowest rank counts).
        public let attribution_s: Double?
        public let attribution_samples: Int?
    }

    /// Forward model FLOPs of one window (multiply–add = 2), counting the full T×T attention
    /// products (the kernels skip the masked half, as is usual for model-FLOP rates).
    /// Training ≈ 3× (backward ≈ 2× forward).
    public static func forwardFlopsPerWindow(_ c: ModelConfig) -> Double {
        let T = Double(c.sequenceLength), d = Double(c.dModel), f = Double(c.featuresPerToken)
        let perBlock = 2 * T * (d * 3 * d + d * d + 8 * d * d) + 2 * 2 * T * T * d   // linear + QKᵀ, PV
        return 2 * T * (f * d + d * f) + Double(c.layers) * perBlock
    }

    /// `batch` is the global batch (each rank runs its share). The number of timed steps is
    /// fixed by the coordinator from a short calibration, so every rank runs the same count.
    public static func run(model c: ModelConfig, batch: Int, seconds: Double, attributionSamples: Int? = nil,
                           overlapAllReduce: Bool = false, seed: UInt64 = 0,
                           communicator world: Communicator = MPICommunicator.world) throws -> Result {
        // measured first: with several workers the replicas switch OpenBLAS to one thread each
        let sgemm = sgemmRate(size: 512)
        let rows = max(batch * 4, 256, attributionSamples ?? 0) + c.maxLag + 1
        var rng = RNG(seed: seed)
        let values = (0..<(rows * c.variables)).map { _ in Float(rng.gaussian()) }
        let windows = WindowSet(sources: [Series(rows: rows, columns: c.variables, values: values)],
                                maxLag: c.maxLag, validationFraction: 0)
        var tc = TrainingConfig()
        tc.batch = batch
        tc.steps = 1_000_000
        let comm = TimedCommunicator(world)
        let perRank = comm.share(of: batch).count
        let replicas = ReplicaSet(config: c, batch: max(perRank, 1), seed: seed)
        let trainer = try Trainer(replicas: replicas, windows: windows, config: tc, dataFingerprint: "bench",
                                  reporter: nil, communicator: comm)
        trainer.overlapAllReduce = overlapAllReduce
        trainer.broadcastParameters()
        let n = windows.train.count
        func step(_ k: Int) { _ = trainer.optimizationStep(step: k) { windows.train[(k * batch + $0) % n] } }
        for k in 0..<3 { step(k) }   // warm-up and calibration
        let t0 = Date()
        for k in 3..<6 { step(k) }
        let perStep = Date().timeIntervalSince(t0) / 3
        let planned = comm.allReduceMax(comm.isCoordinator ? Int32(max(3, min(100_000, seconds / perStep))) : 0)
        comm.reset()
        let start = Date()
        for k in 0..<Int(planned) { step(k + 6) }
        let elapsed = Date().timeIntervalSince(start)
        let collectives = comm.seconds
        let wps = Double(Int(planned) * batch) / elapsed

        var attributionSeconds: Double?
        if let attributionSamples {
            // the fastest of three readouts (the first also warms the caches)
            let samples = Attributor.evaluationSamples(windows, count: attributionSamples)
            var best = Double.infinity
            for _ in 0..<3 {
                comm.barrier()
                let a0 = Date()
                _ = try Attributor.compute(replicas: replicas, windows: windows, samples: samples, method: .lrp, communicator: comm)
                comm.barrier()
                best = min(best, Date().timeIntervalSince(a0))
            }
            attributionSeconds = best
        }
        return Result(tokens: c.tokens.rawValue, variables: c.variables, max_lag: c.maxLag, d_model: c.dModel,
                      layers: c.layers, heads: c.heads, batch: batch,
                      threads: ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "default",
                      workers: replicas.workers, ranks: comm.size, overlap_allreduce: overlapAllReduce,
                      steps: Int(planned), step_ms: 1000 * elapsed / Double(planned), train_windows_per_s: wps,
                      train_gflop_per_s: 3 * forwardFlopsPerWindow(c) * wps / 1e9,
                      sgemm_gflop_per_s: sgemm, allreduce_share: collectives / elapsed,
                      attribution_s: attributionSeconds, attribution_samples: attributionSamples)
    }

    /// All-reduce (sum, in place) time for messages of `floats` floats: the median of `repeats`.
    public static func allReduceSeconds(floats: Int, repeats: Int = 20,
                                        communicator comm: Communicator = MPICommunicator.world) -> Double {
        let buffer = FloatBuffer(floats)
        var times: [Double] = []
        comm.barrier()
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            comm.allReduceSum(buffer.pointer, count: floats)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
        }
        return times.sorted()[times.count / 2]
    }

    /// Fit of t = α + β·bytes minimising the squared *relative* error Σ((tᵢ − α − β·bᵢ)/tᵢ)²
    /// (times span four orders of magnitude; a plain least-squares fit ignores the small ones).
    public static func fitAlphaBeta(_ points: [(bytes: Double, seconds: Double)]) -> (alpha: Double, beta: Double) {
        // weighted normal equations with wᵢ = 1/tᵢ²
        var sw = 0.0, sb = 0.0, sbb = 0.0, st = 0.0, sbt = 0.0
        for p in points {
            let w = 1 / (p.seconds * p.seconds)
            sw += w; sb += w * p.bytes; sbb += w * p.bytes * p.bytes; st += w * p.seconds; sbt += w * p.bytes * p.seconds
        }
        let det = sw * sbb - sb * sb
        guard det != 0 else { return (st / max(sw, 1e-300), 0) }
        return ((sbb * st - sb * sbt) / det, (sw * sbt - sb * st) / det)
    }

    /// GFLOP/s of a square sgemm of `size`, best of a few repetitions.
    public static func sgemmRate(size n: Int) -> Double {
        let a = FloatBuffer(n * n), b = FloatBuffer(n * n), c = FloatBuffer(n * n)
        for i in 0..<(n * n) { a[i] = Float(i % 7) * 0.1; b[i] = Float(i % 5) * 0.1 }
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = Date()
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n),
                        1, a.pointer, Int32(n), b.pointer, Int32(n), 0, c.pointer, Int32(n))
            best = min(best, Date().timeIntervalSince(t0))
        }
        return 2 * Double(n * n * n) / best / 1e9
    }
}
