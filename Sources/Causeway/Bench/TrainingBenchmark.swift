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
        public let steps: Int
        public let step_ms: Double
        public let train_windows_per_s: Double
        public let train_gflop_per_s: Double
        public let sgemm_gflop_per_s: Double
    }

    /// Forward model FLOPs of one window (multiply–add = 2), counting the full T×T attention
    /// products (the kernels skip the masked half, as is usual for model-FLOP rates).
    /// Training ≈ 3× (backward ≈ 2× forward).
    public static func forwardFlopsPerWindow(_ c: ModelConfig) -> Double {
        let T = Double(c.sequenceLength), d = Double(c.dModel), f = Double(c.featuresPerToken)
        let perBlock = 2 * T * (d * 3 * d + d * d + 8 * d * d) + 2 * 2 * T * T * d   // linear + QKᵀ, PV
        return 2 * T * (f * d + d * f) + Double(c.layers) * perBlock
    }

    public static func run(model c: ModelConfig, batch: Int, seconds: Double, seed: UInt64 = 0) throws -> Result {
        // measured first: with several workers the replicas switch OpenBLAS to one thread each
        let sgemm = sgemmRate(size: 512)
        let rows = max(batch * 4, 256) + c.maxLag + 1
        var rng = RNG(seed: seed)
        let values = (0..<(rows * c.variables)).map { _ in Float(rng.gaussian()) }
        let windows = WindowSet(sources: [Series(rows: rows, columns: c.variables, values: values)],
                                maxLag: c.maxLag, validationFraction: 0)
        var tc = TrainingConfig()
        tc.batch = batch
        tc.steps = 1_000_000
        let replicas = ReplicaSet(config: c, batch: batch, seed: seed)
        let trainer = try Trainer(replicas: replicas, windows: windows, config: tc, dataFingerprint: "bench", reporter: nil)
        let n = windows.train.count
        func step(_ k: Int) { _ = trainer.optimizationStep(step: k) { windows.train[(k * batch + $0) % n] } }
        for k in 0..<2 { step(k) }   // warm-up
        var done = 0
        let start = Date()
        while done < 3 || Date().timeIntervalSince(start) < seconds {
            step(done + 2)
            done += 1
        }
        let elapsed = Date().timeIntervalSince(start)
        let wps = Double(done * batch) / elapsed
        return Result(tokens: c.tokens.rawValue, variables: c.variables, max_lag: c.maxLag, d_model: c.dModel,
                      layers: c.layers, heads: c.heads, batch: batch,
                      threads: ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "default",
                      workers: replicas.workers,
                      steps: done, step_ms: 1000 * elapsed / Double(done), train_windows_per_s: wps,
                      train_gflop_per_s: 3 * forwardFlopsPerWindow(c) * wps / 1e9,
                      sgemm_gflop_per_s: sgemm)
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
