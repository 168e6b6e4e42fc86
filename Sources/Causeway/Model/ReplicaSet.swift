import CBLAS
import Dispatch

/// Data parallelism across the cores of one process: the batch is split into contiguous
/// chunks, each run by its own model replica on its own thread with single-threaded BLAS;
/// gradients are then summed in a fixed order (replica 0 + 1 + …), so results are
/// bit-identical for the same seed and thread count.
public final class ReplicaSet {
    public let replicas: [Transformer]
    public var primary: Transformer { replicas[0] }
    public var workers: Int { replicas.count }
    /// Samples each replica can hold.
    public var chunkCapacity: Int { primary.batchCapacity }
    /// Largest batch the set can run at once.
    public var batchCapacity: Int { chunkCapacity * workers }

    /// `workers` = nil uses the OpenBLAS thread count (OPENBLAS_NUM_THREADS), capped so that
    /// every replica gets at least 8 samples (smaller chunks waste the BLAS kernels); with more
    /// than one worker, OpenBLAS is switched to one thread per caller.
    public init(config: ModelConfig, batch: Int, seed: UInt64, workers: Int? = nil) {
        let w = max(1, min(workers ?? min(ReplicaSet.defaultWorkers, batch / 8), batch))
        let chunk = (batch + w - 1) / w
        let first = Transformer(config: config, batchCapacity: chunk, seed: seed)
        replicas = [first] + (1..<w).map { _ in Transformer(replicaOf: first, batchCapacity: chunk) }
        if w > 1 { openblas_set_num_threads(1) }
    }

    /// As many replicas as `other` has, reading its parameters, each holding `chunkCapacity`
    /// samples: for work whose chunk size must not depend on the thread count.
    public init(sharing other: ReplicaSet, chunkCapacity: Int) {
        replicas = other.replicas.map { _ in Transformer(replicaOf: other.primary, batchCapacity: chunkCapacity) }
    }

    /// Threads OpenBLAS was configured with at start-up (the environment's choice).
    public static let defaultWorkers = Int(openblas_get_num_threads())

    /// Splits `b` samples into per-replica (start, count) chunks, in order: `chunkSize` each
    /// (the last shorter), or as even as possible when nil. At most one chunk per replica.
    public func chunks(_ b: Int, chunkSize: Int? = nil) -> [(start: Int, count: Int)] {
        let per = chunkSize ?? (b + workers - 1) / workers
        precondition(per * workers >= b && per <= chunkCapacity, "chunks exceed the replicas")
        return (0..<workers).compactMap { k in
            let start = k * per
            return start < b ? (start, min(per, b - start)) : nil
        }
    }

    /// Runs `body(k, replica k, start, count)` for every chunk of `b` samples, concurrently.
    public func forEachChunk(_ b: Int, chunkSize: Int? = nil, _ body: (Int, Transformer, Int, Int) -> Void) {
        let parts = chunks(b, chunkSize: chunkSize)
        if parts.isEmpty { return }
        if parts.count == 1 {
            body(0, replicas[0], parts[0].start, parts[0].count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: parts.count) { k in
            body(k, replicas[k], parts[k].start, parts[k].count)
        }
    }

    /// Runs `body` per chunk and returns the per-chunk results in chunk order.
    public func mapChunks<R>(_ b: Int, _ body: (Transformer, Int, Int) -> R) -> [R] {
        let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: workers)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        forEachChunk(b) { k, m, start, count in results[k] = body(m, start, count) }
        return results.compactMap { $0 }
    }

    /// primary.gradients += Σ other replicas' gradients (fixed order).
    public func reduceGradients() {
        let g = primary.gradients.pointer, n = primary.gradients.count
        for r in replicas.dropFirst() { addInPlace(g, r.gradients.pointer, n) }
    }
}
