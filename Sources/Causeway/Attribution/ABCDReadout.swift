import Foundation

/// The ABCD readout (`--attribution abcd`; Rohekar, Gurwicz & Nisimov 2023, arXiv 2310.20307):
/// the deepest attention layer of the trained forecaster read as a linear SEM over its tokens
/// (`AttentionSEM`), then a lagged PC search with Gaussian CI tests on the resulting
/// correlations (`LaggedPCSearch`). The search's p-values take the place of the held-out
/// predictive-impact tests.
///
/// Tokens (variable tokenization, time-major): token s·p + i is variable i at window step s,
/// s = 0…W−1, W = the model's window (`config.maxLag`); the output of token (i, s) forecasts
/// variable i at step s + 1. The SEM's nodes are the variables at steps 0…W
/// (`AttentionSEM.forecastCovariance`): the "present" node of target i is (i, W), time t, and
/// the "past" node of source j at lag ℓ is (j, W − ℓ), so a window of W steps tests lags 1…W,
/// the same candidates as the other readouts.
public struct ABCDReadout: Sendable {
    /// [L, p, p] |partial correlation| of the test that decided each candidate (the removing one
    /// for removed candidates); 0 for an untestable candidate. L = W.
    public let scores: ScoreTensor
    /// [L, p, p] the search's p-values (largest over a candidate's tests); NaN when untestable.
    public let pValues: ScoreTensor
    /// Rank of the score among the target's L·p candidates (1 = largest); one ranking, so the
    /// spread is 0.
    public let rankMean: ScoreTensor
    public let rankStd: ScoreTensor
    /// The scores of the same search on each of K contiguous parts of the evaluation samples.
    public let shardScores: [ScoreTensor]
    /// Attention matrices averaged (evaluation samples).
    public let samples: Int
    /// The n of the Fisher z-tests.
    public let sampleSize: Double
    /// CI tests run over all targets.
    public let tests: Int
    /// How heads are combined ("mean over heads", or "head h").
    public let heads: String

    /// The scores in the shape of the other readouts (no per-domain scores).
    public var attribution: Attribution {
        Attribution(scores: scores, rankMean: rankMean, rankStd: rankStd, samples: samples, method: .abcd,
                    aggregation: .abs, shardScores: shardScores, domainScores: [], domainSamples: [])
    }
}

public enum ABCD {
    /// The test behind the p-values, for the outputs' `decision.test`.
    public static let testName = "ABCD: partial correlations of the deepest attention layer, Fisher z, lagged PC search"
    /// Significance level that removes a candidate during the search (PCMCI's pc_alpha); the
    /// decision itself is the FDR rule on the surviving p-values.
    public static let searchAlpha = 0.2
    /// Quantum of the per-sample covariance entries: 2⁻³⁰, or coarser when needed so that
    /// samples·(W + 1)² / quantum < 2⁵³. Entries of the forecast SEM's covariance lie in
    /// [0, (W + 1)²], so sums of the samples' entries rounded to this quantum are exact in Double,
    /// whatever the order of addition — the same bits on any number of ranks and threads.
    static func quantum(samples: Int, window w: Int) -> Double {
        let bound = Double(max(1, samples)) * Double((w + 1) * (w + 1))
        var e = 30
        while e > 0 && bound * Double(sign: .plus, exponent: e, significand: 1) >= 0x1p53 { e -= 1 }
        return Double(sign: .plus, exponent: -e, significand: 1)
    }

    /// The node map for p variables and a window of W ≥ 1 steps (see the type's comment): nodes
    /// u·p + j, u = 0…W; present (i, W), lag ℓ of source j at (j, W − ℓ), ℓ = 1…W.
    public static func tokenMap(variables p: Int, window w: Int) throws -> LaggedTokenMap {
        guard w >= 1 else { throw CausewayError("--attribution abcd needs a window of at least 1 step, got \(w)") }
        var past = [Int](repeating: 0, count: w * p)
        for lag in 1...w { for j in 0..<p { past[(lag - 1) * p + j] = (w - lag) * p + j } }
        return try LaggedTokenMap(variables: p, maxLag: w, past: past, present: (0..<p).map { w * p + $0 })
    }

    /// Σ over samples of the forecast SEM's covariance M·Mᵀ (`AttentionSEM.forecastCovariance`
    /// of A = the deepest block's attention of one sample, averaged over heads, or of head
    /// `head`), [(W + 1)·p, (W + 1)·p], in total and per contiguous shard of the samples:
    /// [1 + K] accumulators, identical on every rank. Samples go through the model in fixed
    /// chunks of 16 (whatever the rank or thread count), the chunks are split over the ranks and
    /// the ranks' threads, and the quantised sums are exact, so the result does not depend on
    /// how the work was split.
    public static func covariances(replicas: ReplicaSet, windows: WindowSet, samples: [WindowRef], shards: Int,
                                   head: Int? = nil, communicator: Communicator = MPICommunicator.world,
                                   progress: ((Int, Int) -> Void)? = nil) throws -> [CovarianceAccumulator] {
        let c = replicas.primary.config
        guard c.tokens == .variable else {
            throw CausewayError("--attribution abcd needs --tokens variable (one token per variable and time step)")
        }
        if let head { precondition(head >= 0 && head < c.heads, "abcd: head \(head) of \(c.heads)") }
        let p = c.variables, W = c.maxLag
        let grain = quantum(samples: samples.count, window: W)
        let T = c.sequenceLength, H = c.heads, perSample = c.sequenceLength * c.featuresPerToken
        let K = max(1, min(shards, samples.count))
        let N = (W + 1) * p, slots = 1 + K, nn = N * N, tt = T * T
        let chunk = min(16, replicas.chunkCapacity)
        let chunks = (samples.count + chunk - 1) / chunk
        let mine = communicator.share(of: chunks)
        // one running sum [1 + K, N, N] (lower triangles) per thread
        let sums = (0..<replicas.workers).map { _ in UnsafeMutablePointer<Double>.allocate(capacity: slots * nn) }
        for s in sums { s.initialize(repeating: 0, count: slots * nn) }
        defer { for s in sums { s.deallocate() } }
        let targets = FloatBuffer(replicas.batchCapacity * perSample)
        var q = mine.start
        while q < mine.start + mine.count {
            let waveChunks = min(replicas.workers, mine.start + mine.count - q)
            let first = q * chunk, b = min(waveChunks * chunk, samples.count - first)
            replicas.forEachChunk(b, chunkSize: chunk) { k, model, start, count in
                model.forward(samples[(first + start)..<(first + start + count)], from: windows,
                              targets: targets.pointer + start * perSample)
                let att = model.acts.blocks[model.acts.blocks.count - 1].att.pointer
                var a = [Double](repeating: 0, count: tt)
                let heads = head.map { [$0] } ?? Array(0..<H)
                let norm = 1 / Double(heads.count)
                for s in 0..<count {
                    for i in a.indices { a[i] = 0 }
                    for h in heads {
                        let base = att + (s * H + h) * tt
                        for i in 0..<tt { a[i] += Double(base[i]) }
                    }
                    if heads.count > 1 { for i in a.indices { a[i] *= norm } }
                    let cov = AttentionSEM.forecastCovariance(attention: a, variables: p, steps: W)
                    let j = first + start + s
                    let total = sums[k], part = sums[k] + (1 + j * K / samples.count) * nn
                    for r in 0..<N {
                        for col in 0...r {
                            let v = (cov[r * N + col] / grain).rounded() * grain
                            total[r * N + col] += v
                            part[r * N + col] += v
                        }
                    }
                }
            }
            q += waveChunks
            progress?(min(q * chunk, samples.count), samples.count)
        }
        let sum = sums[0]
        for t in sums.dropFirst() { for i in 0..<(slots * nn) { sum[i] += t[i] } }
        communicator.allReduceSum(sum, count: slots * nn)
        var sizes = [Int](repeating: 0, count: K)
        for j in 0..<samples.count { sizes[j * K / samples.count] += 1 }
        return (0..<slots).map { g in
            var acc = CovarianceAccumulator(tokens: N)
            acc.sum = Array(UnsafeBufferPointer(start: sum + g * nn, count: nn))
            acc.count = g == 0 ? samples.count : sizes[g - 1]
            return acc
        }
    }

    /// The lagged PC search on the correlation of `accumulator`'s mean covariance, targets split
    /// over the ranks; the coordinator assembles the result (nil on the other ranks).
    public static func search(_ accumulator: CovarianceAccumulator, map: LaggedTokenMap, settings: LaggedPCSearch.Settings,
                              communicator: Communicator = MPICommunicator.world) throws -> LaggedPCSearch.Result? {
        let n = accumulator.tokens, m = map.maxLag * map.variables
        let r = AttentionSEM.correlation(fromCovariance: try accumulator.mean(), tokens: n)
        let mine = communicator.share(of: map.variables)
        var piece: [Float] = []   // per target: p-values, scores, survived (0/1), tests
        for i in mine.start..<(mine.start + mine.count) {
            let t = try LaggedPCSearch.searchTarget(i, correlation: r, tokens: n, map: map, settings: settings)
            piece += t.pValues.map(Float.init) + t.scores.map(Float.init) + t.survived.map { $0 ? 1 : 0 } + [Float(t.tests)]
        }
        guard let pieces = communicator.gatherV(piece, root: 0) else { return nil }
        var results: [LaggedPCSearch.TargetResult] = []
        for (rank, values) in pieces.enumerated() {
            let owned = ShareOf(rank: rank, size: pieces.count).share(of: map.variables)
            for (k, i) in (owned.start..<(owned.start + owned.count)).enumerated() {
                let v = Array(values[(k * (3 * m + 1))..<((k + 1) * (3 * m + 1))])
                results.append(LaggedPCSearch.TargetResult(
                    target: i, pValues: v[0..<m].map(Double.init), scores: v[m..<(2 * m)].map(Double.init),
                    minAbsCorrelations: [Double](repeating: .nan, count: m), survived: v[(2 * m)..<(3 * m)].map { $0 != 0 },
                    conditioningSets: [[Int]](repeating: [], count: m), tests: Int(v[3 * m])))
            }
        }
        return try LaggedPCSearch.assemble(results, map: map)
    }

    /// The default n of the Fisher z-tests: the evaluation samples averaged, but at most the
    /// number of training windows that share no row, ⌊training windows / (W + 1)⌋ (a window
    /// spans W input steps and its target), and at least 4. Each sample is treated as one
    /// independent draw of the SEM, and overlapping windows are not independent: on 3,000 rows
    /// 1,000 samples overlap, on 20,000 rows they do not. This n is a convention for a covariance
    /// that belongs to the trained model; docs/accuracy.md measures what it gives.
    public static func defaultSampleSize(samples: Int, trainingWindows: Int, window w: Int) -> Double {
        Double(max(minimumSamples, min(samples, trainingWindows / (w + 1))))
    }

    /// Fewest readout samples (and smallest n): Fisher's z needs n − |S| − 3 > 0.
    public static let minimumSamples = 4

    /// The whole readout: covariances, the search on their total and on each shard, ranks.
    /// `sampleSize` nil: `defaultSampleSize`. Returns nil on the non-coordinator ranks.
    public static func compute(replicas: ReplicaSet, windows: WindowSet, samples: [WindowRef], shards: Int = 2,
                               sampleSize: Double? = nil, head: Int? = nil,
                               communicator: Communicator = MPICommunicator.world,
                               progress: ((Int, Int) -> Void)? = nil) throws -> ABCDReadout? {
        let c = replicas.primary.config, p = c.variables
        guard samples.count >= minimumSamples else {   // the same on every rank: thrown before any collective call
            throw CausewayError("--attribution abcd needs at least \(minimumSamples) readout samples, got \(samples.count) (--eval-samples, or more training windows)")
        }
        let map = try tokenMap(variables: p, window: c.maxLag)
        let accs = try covariances(replicas: replicas, windows: windows, samples: samples, shards: shards, head: head,
                                   communicator: communicator, progress: progress)
        let n = sampleSize ?? defaultSampleSize(samples: samples.count, trainingWindows: windows.train.count, window: c.maxLag)
        let settings = LaggedPCSearch.Settings(alpha: searchAlpha, sampleSize: n)
        let total = try search(accs[0], map: map, settings: settings, communicator: communicator)
        var shardScores: [ScoreTensor] = []
        for acc in accs.dropFirst() {
            if let r = try search(acc, map: map, settings: settings, communicator: communicator) { shardScores.append(clean(r.scores)) }
        }
        guard let total else { return nil }
        let scores = clean(total.scores), L = map.maxLag, m = L * p
        var rank = ScoreTensor(maxLag: L, variables: p, values: [Float](repeating: 0, count: m * p))
        for i in 0..<p {
            let order = (0..<m).sorted { a, b in
                let sa = scores.values[a * p + i], sb = scores.values[b * p + i]
                return sa != sb ? sa > sb : a < b
            }
            for (k, cand) in order.enumerated() { rank.values[cand * p + i] = Float(k + 1) }
        }
        return ABCDReadout(scores: scores, pValues: total.pValues, rankMean: rank,
                           rankStd: ScoreTensor(maxLag: L, variables: p, values: [Float](repeating: 0, count: m * p)),
                           shardScores: shardScores, samples: samples.count, sampleSize: n, tests: total.tests,
                           heads: head.map { "head \($0)" } ?? "mean over heads")
    }

    /// NaN scores (untestable candidates) → 0.
    private static func clean(_ s: ScoreTensor) -> ScoreTensor {
        ScoreTensor(maxLag: s.maxLag, variables: s.variables, values: s.values.map { $0.isNaN ? 0 : $0 })
    }
}
