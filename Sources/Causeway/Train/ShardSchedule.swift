/// How the training windows are split into fixed data shards.
public enum ShardMode: String, Codable, CaseIterable, Sendable {
    /// Every shard holds a proportional, contiguous-in-time slice of every domain.
    case stratified
    /// Every shard holds whole domains, balanced by window count.
    case domain
}

/// Which windows make up each global batch, as a pure function of the step number.
///
/// The training windows are split into `shardCount` fixed shards. Every global batch of B
/// windows is the concatenation, in shard order, of shard k's next m_k windows, where
/// m_k = ShareOf(k, shardCount).share(of: B).count. Shard k walks through its own windows in an
/// order reshuffled every epoch, seeded by (seed, k, epoch). An epoch is
/// min_k ⌊n_k / m_k⌋ steps, so every shard contributes fresh windows throughout an epoch (a
/// larger shard leaves its surplus, a different part each epoch, for the next epoch).
///
/// Ranks split every global batch by position exactly as before (`ShareOf(rank, ranks)`), so
/// with as many shards as ranks (the CLI default) rank r reads only shard r's windows: its
/// own part of the data. The trajectory depends on (seed, batch, mode, shard count) and never
/// on the rank or thread count: `mpirun -n 2` equals one process with `--shards 2`.
/// Nothing here is state: resuming at step s needs only s.
public final class ShardSchedule {
    public let shards: [[WindowRef]]
    /// Windows each shard contributes to every global batch.
    public let contributions: [Int]
    /// Start of each shard's contribution inside the batch.
    let offsets: [Int]
    public let batch: Int
    public let stepsPerEpoch: Int
    let seed: UInt64
    private var cachedEpoch = -1
    private var orders: [[Int32]?]

    /// `train`: the training windows, domain by domain in time order (`WindowSet.train`).
    public init(train: [WindowRef], domains: Int, mode: ShardMode, shardCount: Int, batch: Int, seed: UInt64) throws {
        guard shardCount >= 1 else { throw CausewayError("--shards must be at least 1 (got \(shardCount))") }
        guard batch >= shardCount else {
            throw CausewayError("--batch \(batch) is smaller than the shard count \(shardCount): every shard needs at least one window per batch (lower --shards or raise --batch)")
        }
        var shards = [[WindowRef]](repeating: [], count: shardCount)
        var byDomain = [[WindowRef]](repeating: [], count: domains)
        for w in train { byDomain[Int(w.domain)].append(w) }
        switch mode {
        case .stratified:
            // shard k gets windows [k·n_d/S, (k+1)·n_d/S) of every domain d
            for ws in byDomain {
                for k in 0..<shardCount { shards[k] += ws[(k * ws.count / shardCount)..<((k + 1) * ws.count / shardCount)] }
            }
        case .domain:
            let nonEmpty = byDomain.indices.filter { !byDomain[$0].isEmpty }
            guard nonEmpty.count >= shardCount else {
                throw CausewayError("--shard domain needs at least as many domains with training windows (\(nonEmpty.count)) as shards (\(shardCount)); use --shard stratified or fewer --shards")
            }
            // longest-processing-time greedy: largest domain first onto the lightest shard
            let order = nonEmpty.sorted { (byDomain[$0].count, -$0) > (byDomain[$1].count, -$1) }
            var assigned = [[Int]](repeating: [], count: shardCount), load = [Int](repeating: 0, count: shardCount)
            for d in order {
                let k = load.indices.min { (load[$0], $0) < (load[$1], $1) }!
                assigned[k].append(d)
                load[k] += byDomain[d].count
            }
            for k in 0..<shardCount { shards[k] = assigned[k].sorted().flatMap { byDomain[$0] } }
        }
        let contributions = (0..<shardCount).map { ShareOf(rank: $0, size: shardCount).share(of: batch).count }
        for k in 0..<shardCount where shards[k].count < contributions[k] {
            throw CausewayError("data shard \(k) (--shard \(mode.rawValue), --shards \(shardCount)) has \(shards[k].count) training windows, fewer than the \(contributions[k]) it must give every batch; lower --shards or --batch")
        }
        self.shards = shards
        self.contributions = contributions
        var offsets: [Int] = [], o = 0
        for m in contributions { offsets.append(o); o += m }
        self.offsets = offsets
        self.batch = batch
        self.stepsPerEpoch = (0..<shardCount).map { shards[$0].count / contributions[$0] }.min()!
        self.seed = seed
        self.orders = Array(repeating: nil, count: shardCount)
    }

    public var shardCount: Int { shards.count }

    public func epoch(ofStep step: Int) -> Int { step / stepsPerEpoch }

    /// Makes sure the orders of the shards that positions `positions` of step `step`'s batch
    /// fall in are shuffled for that step's epoch. Call before `window` (not thread-safe);
    /// a rank shuffles, and so touches, only the shards its positions fall in.
    public func prepare(step: Int, positions: Range<Int>) {
        let e = step / stepsPerEpoch
        if e != cachedEpoch {
            cachedEpoch = e
            orders = Array(repeating: nil, count: shardCount)
        }
        guard !positions.isEmpty else { return }
        for k in shard(at: positions.lowerBound)...shard(at: positions.upperBound - 1) where orders[k] == nil {
            var order = [Int32](0..<Int32(shards[k].count))
            var rng = RNG(seed: seed ^ 0x5EED_0F_E90C ^ (UInt64(k) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(e) &* 0xC2B2_AE3D_27D4_EB4F))
            rng.shuffle(&order)
            orders[k] = order
        }
    }

    /// The window at `position` (0 ..< batch) of the global batch of optimizer step `step`,
    /// after `prepare` covered it. Read-only: safe from several threads.
    public func window(step: Int, position: Int) -> WindowRef {
        let t = step % stepsPerEpoch, k = shard(at: position)
        precondition(step / stepsPerEpoch == cachedEpoch && orders[k] != nil, "ShardSchedule.prepare was not called for this step")
        return shards[k][Int(orders[k]![t * contributions[k] + position - offsets[k]])]
    }

    func shard(at position: Int) -> Int {
        var k = 0
        while k + 1 < shardCount && offsets[k + 1] <= position { k += 1 }
        return k
    }
}
