/// The readout: per-sample relevance of every candidate edge, aggregated into scores, with a
/// per-edge confidence from per-sample rankings.
public struct Attribution: Sendable {
    /// S[ℓ, j, i] = mean over samples of |R| (or R²), optionally normalised per target.
    public let scores: ScoreTensor
    /// Mean and standard deviation over samples of the candidate's rank among the L·p
    /// candidates of its target (1 = most relevant). True edges rank high and steady.
    public let rankMean: ScoreTensor
    public let rankStd: ScoreTensor
    public let samples: Int
    public let method: AttributionMethod
    public let aggregation: ScoreAggregation
    /// The same scores computed on each of `shardScores.count` contiguous parts of the
    /// evaluation samples (parts of the data in time and domain order): whether an edge holds
    /// on every part is a second confidence measure (`shard_agreement`).
    public let shardScores: [ScoreTensor]
    /// With `perDomain`: the scores of each domain's own evaluation samples, indexed by domain
    /// (a domain without samples gets zeros; `domainSamples` counts them). Empty otherwise.
    public let domainScores: [ScoreTensor]
    public let domainSamples: [Int]

    /// The power that brings `scores` to the scale of |relevance|: ½ per squaring (the
    /// gradient method squares the gradient; `square` aggregation squares R).
    public var relevanceExponent: Float {
        (method == .gradient ? 0.5 : 1) * (aggregation == .square ? 0.5 : 1)
    }
}

public enum Attributor {
    /// One forward pass per batch of samples, then per target one backward pass with the
    /// method's rule; the batch is split over the replicas' threads and the targets over the
    /// ranks, whose pieces the coordinator gathers. Returns nil on the other ranks.
    /// `progress(done, total)` is called after every batch of samples (each sample costs one
    /// backward pass per target of this rank).
    public static func compute(replicas: ReplicaSet, windows: WindowSet, samples: [WindowRef],
                               method: AttributionMethod, aggregation: ScoreAggregation = .abs,
                               normalizePerTarget: Bool = false, shards: Int = 2, perDomain: Bool = false,
                               communicator: Communicator = MPICommunicator.world,
                               progress: ((Int, Int) -> Void)? = nil) throws -> Attribution? {
        let c = replicas.primary.config, L = c.maxLag, p = c.variables
        if method == .attention && c.tokens != .variable {
            throw CausewayError("--attribution attention needs --tokens variable (a step token mixes all variables)")
        }
        if method == .abcd {
            throw CausewayError("--attribution abcd is computed by ABCD.compute, not Attributor.compute")
        }
        let perSample = c.sequenceLength * c.featuresPerToken   // = L·p for both tokenizations
        let m = L * p, n = m * p
        // Σ score, Σ rank, Σ rank² per candidate. Samples go through the model in fixed chunks of
        // `chunk` (sample j in chunk ⌊j/chunk⌋, whatever the thread or rank count), each sample's
        // contribution to its own slot, and slots are added in sample order: the same bits on
        // any number of threads and ranks.
        let chunk = min(16, replicas.chunkCapacity)
        let wave = chunk * replicas.workers
        let acc = UnsafeMutablePointer<Double>.allocate(capacity: 3 * n)
        acc.initialize(repeating: 0, count: 3 * n)
        let K = max(1, min(shards, samples.count))
        let shardAcc = UnsafeMutablePointer<Double>.allocate(capacity: K * n)   // Σ score per shard
        shardAcc.initialize(repeating: 0, count: K * n)
        let slots = UnsafeMutablePointer<Double>.allocate(capacity: wave * 3 * n)
        defer { acc.deallocate(); shardAcc.deallocate(); slots.deallocate() }
        func shard(_ j: Int) -> Int { j * K / samples.count }
        var shardSizes = [Int](repeating: 0, count: K)
        for j in 0..<samples.count { shardSizes[shard(j)] += 1 }
        // per-domain sums: D = the windows' domain count (0 without --per-domain)
        let D = perDomain ? windows.sources.count : 0
        let domainAcc = UnsafeMutablePointer<Double>.allocate(capacity: max(D, 1) * n)
        domainAcc.initialize(repeating: 0, count: max(D, 1) * n)
        defer { domainAcc.deallocate() }
        var domainSizes = [Int](repeating: 0, count: D)
        if D > 0 { for w in samples { domainSizes[Int(w.domain)] += 1 } }
        let targets = FloatBuffer(replicas.batchCapacity * perSample)
        let myTargets = communicator.share(of: p)
        var k = 0
        while k < samples.count {
            let b = min(wave, samples.count - k)
            slots.update(repeating: 0, count: b * 3 * n)
            replicas.forEachChunk(b, chunkSize: chunk) { _, model, start, count in
                model.forward(samples[(k + start)..<(k + start + count)], from: windows,
                              targets: targets.pointer + start * perSample)
                withUnsafeTemporaryAllocation(of: Float.self, capacity: m) { rel in
                    withUnsafeTemporaryAllocation(of: Int32.self, capacity: m) { order in
                        for i in myTargets.start..<(myTargets.start + myTargets.count) {
                            if let rule = method.backwardRule {
                                // seed ∂ŷ_{i,t} at the last position of every sample: index (L−1)·p + i
                                model.outputGradient.update(repeating: 0, count: count * perSample)
                                for s in 0..<count { model.outputGradient[s * perSample + (L - 1) * p + i] = 1 }
                                model.backward(batch: count, parameterGradients: false, inputGradients: true, rule: rule)
                            }
                            for s in 0..<count {
                                relevance(method, model, sample: s, target: i, into: rel.baseAddress!)
                                accumulate(rel.baseAddress!, order.baseAddress!, m: m, target: i, p: p,
                                           aggregation: aggregation, into: slots + (start + s) * 3 * n)
                            }
                        }
                    }
                }
            }
            for s in 0..<b {
                let slot = slots + s * 3 * n, part = shardAcc + shard(k + s) * n
                for idx in 0..<(3 * n) { acc[idx] += slot[idx] }
                for idx in 0..<n { part[idx] += slot[idx] }
                if D > 0 {
                    let own = domainAcc + Int(samples[k + s].domain) * n
                    for idx in 0..<n { own[idx] += slot[idx] }
                }
            }
            k += b
            progress?(k, samples.count)
        }
        // this rank's targets: per candidate (score, rank mean, rank std), column by column
        let count = Double(max(samples.count, 1))
        var piece: [Float] = []
        let stride = 3 + K + D   // score, rank mean, rank std, the shards' scores, the domains' scores
        piece.reserveCapacity(stride * m * myTargets.count)
        for i in myTargets.start..<(myTargets.start + myTargets.count) {
            for c in 0..<m {
                let idx = c * p + i
                let s = acc[idx], r = acc[n + idx], r2 = acc[2 * n + idx]
                let mean = r / count
                piece += [Float(s / count), Float(mean), Float(max(0, r2 / count - mean * mean).squareRoot())]
                for g in 0..<K { piece.append(Float(shardAcc[g * n + idx] / Double(max(shardSizes[g], 1)))) }
                for d in 0..<D { piece.append(Float(domainAcc[d * n + idx] / Double(max(domainSizes[d], 1)))) }
            }
        }
        guard let pieces = communicator.gatherV(piece, root: 0) else { return nil }
        var score = [Float](repeating: 0, count: n), rankMean = score, rankStd = score
        var shardScore = [[Float]](repeating: score, count: K)
        var domainScore = [[Float]](repeating: score, count: D)
        for (rank, values) in pieces.enumerated() {
            let owned = ShareOf(rank: rank, size: pieces.count).share(of: p)
            var v = 0
            for i in owned.start..<(owned.start + owned.count) {
                for c in 0..<m {
                    score[c * p + i] = values[v]; rankMean[c * p + i] = values[v + 1]; rankStd[c * p + i] = values[v + 2]
                    for g in 0..<K { shardScore[g][c * p + i] = values[v + 3 + g] }
                    for d in 0..<D { domainScore[d][c * p + i] = values[v + 3 + K + d] }
                    v += stride
                }
            }
        }
        if normalizePerTarget {
            func normalize(_ x: inout [Float]) {
                for i in 0..<p {
                    var total: Float = 0
                    for c in 0..<m { total += x[c * p + i] }
                    if total > 0 { for c in 0..<m { x[c * p + i] /= total } }
                }
            }
            normalize(&score)
            for g in 0..<K { normalize(&shardScore[g]) }
            for d in 0..<D { normalize(&domainScore[d]) }
        }
        return Attribution(scores: ScoreTensor(maxLag: L, variables: p, values: score),
                           rankMean: ScoreTensor(maxLag: L, variables: p, values: rankMean),
                           rankStd: ScoreTensor(maxLag: L, variables: p, values: rankStd),
                           samples: samples.count, method: method, aggregation: aggregation,
                           shardScores: shardScore.map { ScoreTensor(maxLag: L, variables: p, values: $0) },
                           domainScores: domainScore.map { ScoreTensor(maxLag: L, variables: p, values: $0) },
                           domainSamples: domainSizes)
    }

    /// rel[c], c = (ℓ−1)·p + j: the method's relevance of x_{j,t−ℓ} for target i in sample s.
    /// Input index r·p + j holds source j at lag L − r (both tokenizations).
    private static func relevance(_ method: AttributionMethod, _ model: Transformer, sample s: Int, target i: Int,
                                  into rel: UnsafeMutablePointer<Float>) {
        let c = model.config, L = c.maxLag, p = c.variables, base = s * L * p
        if method == .attention {
            model.meanAttention(sample: s, query: (L - 1) * p + i) { key, weight in
                rel[(L - 1 - key / p) * p + key % p] = weight
            }
            return
        }
        let x = model.input + base, g = model.inputGradient + base
        for r in 0..<L {
            let dst = rel + (L - 1 - r) * p, xr = x + r * p, gr = g + r * p
            if method == .gradient {
                for j in 0..<p { dst[j] = gr[j] * gr[j] }
            } else {
                for j in 0..<p { dst[j] = xr[j] * gr[j] }
            }
        }
    }

    /// Adds one (sample, target)'s scores and ranks to the accumulator [score | rank | rank²].
    private static func accumulate(_ rel: UnsafeMutablePointer<Float>, _ order: UnsafeMutablePointer<Int32>,
                                   m: Int, target i: Int, p: Int, aggregation: ScoreAggregation,
                                   into acc: UnsafeMutablePointer<Double>) {
        let n = m * p
        for c in 0..<m {
            let v = Double(rel[c])
            acc[c * p + i] += aggregation == .abs ? Swift.abs(v) : v * v
            rel[c] = Swift.abs(rel[c])
            order[c] = Int32(c)
        }
        // rank 1 = largest |R|; ties keep the lower candidate index first (lower lag, then source)
        var sorted = UnsafeMutableBufferPointer(start: order, count: m)
        sorted.sort { (a: Int32, b: Int32) -> Bool in
            let ra = rel[Int(a)], rb = rel[Int(b)]
            return ra != rb ? ra > rb : a < b
        }
        for (rank, c) in sorted.enumerated() {
            let idx = Int(c) * p + i, r = Double(rank + 1)
            acc[n + idx] += r
            acc[2 * n + idx] += r * r
        }
    }

    /// `count` windows spread evenly over all training windows (every domain).
    public static func evaluationSamples(_ windows: WindowSet, count: Int) -> [WindowRef] {
        evenlySpaced(windows.train, count: count)
    }
}

extension Transformer {
    /// Loads evaluation samples into the model's batch rows 0..<refs.count (their inputs, and
    /// their targets into `targets`, [refs.count, L·p]), sets each row's domain and runs the
    /// forward pass. Shared by the readouts (LRP and friends, ABCD).
    func forward(_ refs: ArraySlice<WindowRef>, from windows: WindowSet, targets: UnsafeMutablePointer<Float>) {
        let perSample = config.sequenceLength * config.featuresPerToken
        for (s, w) in refs.enumerated() {
            windows.fill(w, input: input + s * perSample, target: targets + s * perSample)
            setDomain(s, Int(w.domain))
        }
        forward(batch: refs.count)
    }
}
