import CBLAS
import Foundation

/// How the tested input x_{j,t−ℓ} is replaced in a held-out window (the null draw).
public enum NullDraw: String, CaseIterable, Sendable {
    /// x̃ = E[x | other inputs] + a residual of another held-out window, the conditional mean
    /// from an additive model of the other inputs (`PolynomialConditional`: cubic terms and
    /// hinges at quantiles as the windows allow, `PredictiveImpact.conditionalBasis`) with the
    /// residuals permuted: keeps the input's dependence on the other inputs, linear or not, so
    /// correlated, autocorrelated or nonlinearly tied inputs do not make false edges.
    case conditional
    /// The same with a linear model of the other inputs (`GaussianConditional`; the default
    /// before stop 23): misses nonlinear ties such as a logistic map's lag 1 on its lag 2.
    case linear
    /// x̃ = the same input of another held-out window (a plain permutation): breaks its
    /// dependence on the other inputs too; kept for comparison (it is known to report false
    /// edges when inputs are correlated).
    case permutation
}

/// Per-candidate p-values of the trained forecaster, from held-out windows.
public struct Significance: Sendable {
    /// One-sided p-values [L, p, p], indexed (lag−1, source, target) like the scores:
    /// H0 "replacing x_{source, t−lag} by a null draw does not increase the squared error of
    /// the forecast of x_{target, t}".
    public let pValues: ScoreTensor
    /// The t statistics of the same tests [L, p, p] (mean increase / its HAC standard error).
    public let statistics: ScoreTensor
    /// Mean increase of the squared forecast error [L, p, p], in units of the target's variance.
    public let lossIncrease: ScoreTensor
    /// Held-out windows the tests used.
    public let windows: Int
    /// Null draws per window (the increase is averaged over them).
    public let repeats: Int
    public let draw: NullDraw
    /// The conditional model(s) of the draw ("linear", "additive: cubic terms and 4 hinges per
    /// input"; one per distinct choice over the domains, joined by "; "), or "none" for the
    /// permutation draw.
    public let conditionalModel: String
    /// With `perDomain`: the same tests on each domain's own held-out windows (indexed by
    /// domain; a domain with fewer than 3 windows gets NaN); empty otherwise.
    public let domainPValues: [ScoreTensor]
    public let domainWindows: [Int]
    /// The base forecasts' errors on the held-out windows, summarised for `SameStepErrors`:
    /// their [p, p] correlations within the same time step and their autocorrelations.
    public let forecastErrors: SameStepErrors.Errors
}

/// Conditional predictive impact (CPI): the edge source → target at lag ℓ is tested by how much
/// the trained model's forecast of the target gets worse on windows it was not trained on when
/// x_{source, t−ℓ} is replaced by a draw from its distribution given the window's other inputs.
///
/// Method: Watson & Wright 2021, "Testing conditional independence in supervised learning
/// algorithms" (Machine Learning 110:2107–2129): if the target is independent of the input
/// given the others and the draw has the input's conditional law, the per-window increase d_w
/// of the squared error has mean 0; a one-sided test of mean(d) > 0 gives the p-value. The
/// time-series use follows Gade & Rodu, "Nonlinear permuted Granger causality"
/// (arXiv:2308.06220). Held-out windows overlap in time, so d_w is autocorrelated: the
/// standard error is Newey–West's (Bartlett kernel, bandwidth max(L, ⌊4(n/100)^{2/9}⌋)), and
/// the p-value is P(T_ν > t) with ν = min(n − 1, 3n / (2(B + 1))) (`oneSidedTest`).
///
/// Held-out windows: `windows.validation`, the last `--validation-fraction` of every domain,
/// whose targets were never training targets (early stopping reads their mean loss once per
/// evaluation, a negligible selection).
public enum PredictiveImpact {
    /// Runs the tests. Every rank computes the base forecasts and the conditional model; the
    /// L·p inputs (each gives the tests of its targets in one forward pass) are split over
    /// the ranks and the coordinator gathers the results. Windows go through the model in fixed
    /// chunks and every draw is seeded by (seed, input, repeat), so the result is bit-identical
    /// for any number of ranks and threads. Returns nil on the other ranks.
    /// - Parameters:
    ///   - heldOut: the windows to test on (normally `windows.validation`), in time order per domain.
    ///   - repeats: null draws per window (≥ 1); the increase is averaged over them.
    ///   - perDomain: also test each domain's windows alone.
    ///   - candidates: for each of the L·p inputs (index r·p + j: source j at lag L − r), the
    ///     targets to test it against, ascending (empty: not tested); nil = every candidate.
    ///     Untested candidates get NaN. Must be the same on every rank.
    ///   - progress: called with (inputs done, inputs of this rank) after every tested input.
    /// - Throws: `CausewayError` with fewer than 10 held-out windows or a degenerate input covariance.
    public static func test(replicas: ReplicaSet, windows: WindowSet, heldOut: [WindowRef], draw: NullDraw = .conditional,
                            repeats: Int = 1, seed: UInt64 = 0, perDomain: Bool = false, candidates: [[Int]]? = nil,
                            communicator: Communicator = MPICommunicator.world,
                            progress: ((Int, Int) -> Void)? = nil) throws -> Significance? {
        // windows in chunks of a fixed size, so the bits do not depend on the threads: on the
        // training replicas when they hold a chunk, else on replicas of that size
        let chunk = Self.chunk(replicas.primary.config)
        let replicas = replicas.chunkCapacity >= chunk ? replicas : ReplicaSet(sharing: replicas, chunkCapacity: chunk)
        let c = replicas.primary.config, L = c.maxLag, p = c.variables, m = L * p
        precondition(c.sequenceLength * c.featuresPerToken == m, "a window holds L·p input values")
        let N = heldOut.count
        try checkHeldOut(N)
        precondition(repeats >= 1)
        // inputs Z [N, m] and last-step targets Y [N, p] of the held-out windows
        let z = UnsafeMutablePointer<Double>.allocate(capacity: N * m)
        let zFloat = UnsafeMutablePointer<Float>.allocate(capacity: N * m)
        let y = UnsafeMutablePointer<Float>.allocate(capacity: N * p)
        let targetRows = UnsafeMutablePointer<Float>.allocate(capacity: m)
        defer { z.deallocate(); zFloat.deallocate(); y.deallocate(); targetRows.deallocate() }
        for (w, ref) in heldOut.enumerated() {
            windows.fill(ref, input: zFloat + w * m, target: targetRows)
            (y + w * p).update(from: targetRows + (L - 1) * p, count: p)
            for k in 0..<m { z[w * m + k] = Double(zFloat[w * m + k]) }
        }
        let runs = domainRuns(heldOut)
        // replacement values: conditional means + residuals, or the inputs themselves
        let base = UnsafeMutablePointer<Double>.allocate(capacity: N * m)      // E[z_c | z_−c] (0 for permutation)
        let pool = UnsafeMutablePointer<Double>.allocate(capacity: N * m)      // what is permuted
        defer { base.deallocate(); pool.deallocate() }
        var conditionalModels: [String] = []
        switch draw {
        case .conditional, .linear:
            // one conditional model per domain (domains may differ in their dynamics), fitted on
            // the inputs of that domain's windows (`fitConditional`); the residuals are permuted
            // within the domain's held-out windows, scaled by `residualScale` (the fit includes
            // those windows, so its residuals are shrunk when windows are few per input)
            for run in runs {
                let model = try fitConditional(windows: windows, domain: Int(heldOut[run.lowerBound].domain), inputs: m,
                                               linear: draw == .linear)
                model.conditionalMeans(z + run.lowerBound * m, rows: run.count, into: base + run.lowerBound * m)
                if !conditionalModels.contains(model.basisDescription) { conditionalModels.append(model.basisDescription) }
                let s = model.residualScale
                for k in (run.lowerBound * m)..<(run.upperBound * m) { pool[k] = s * (z[k] - base[k]) }
            }
        case .permutation:
            base.initialize(repeating: 0, count: N * m)
            pool.update(from: z, count: N * m)
        }

        // base squared errors e0 [N, p]
        let e0 = UnsafeMutablePointer<Double>.allocate(capacity: N * p)
        defer { e0.deallocate() }
        let linear = LinearShortcut(replicas.primary, z: zFloat, windows: N, domains: heldOut.map { Int($0.domain) })
        let embeddings = embedAll(replicas, heldOut, zFloat, chunk: chunk)
        defer { embeddings?.deallocate() }
        let embedded = embeddings.map { UnsafePointer($0) }
        // every window's keys and values, so an input at token r recomputes tokens r..<T only
        // (when they fit in `cacheBytes`)
        let cacheCount = N * c.layers * c.sequenceLength * 3 * c.dModel
        let cache = embedded != nil && cacheCount * 4 <= cacheBytes ? UnsafeMutablePointer<Float>.allocate(capacity: cacheCount) : nil
        defer { cache?.deallocate() }
        let errors = UnsafeMutablePointer<Double>.allocate(capacity: N * p)   // forecast − target [N, p]
        defer { errors.deallocate() }
        forecast(replicas, heldOut, zFloat, chunk: chunk, replace: nil, linear: linear, embedded: embedded,
                 keysAndValues: cache) { w, out in
            for i in 0..<p { let r = Double(out[i] - y[w * p + i]); errors[w * p + i] = r; e0[w * p + i] = r * r }
        }
        let forecastErrors = SameStepErrors.Errors(errors: errors, rows: N, columns: p, runs: runs)

        let D = perDomain ? windows.sources.count : 0
        var domainRanges = [Range<Int>](repeating: 0..<0, count: D)
        if D > 0 { for run in runs { domainRanges[Int(heldOut[run.lowerBound].domain)] = run } }

        // this rank's inputs: d [N, k] per input (its k targets), then the tests of those targets
        let allTargets = Array(0..<p)
        let targetsOf = candidates ?? [[Int]](repeating: allTargets, count: m)
        precondition(targetsOf.count == m && targetsOf.allSatisfy { t in
            t.indices.allSatisfy { t[$0] >= 0 && t[$0] < p && ($0 == 0 || t[$0 - 1] < t[$0]) }
        }, "candidates: ascending targets in 0..<p")
        let list = (0..<m).filter { !targetsOf[$0].isEmpty }   // the tested inputs, split over the ranks
        let mine = communicator.share(of: list.count)
        let width = 3 + D   // p-value, t, mean increase, the domains' p-values
        var piece = [Float](repeating: 0, count: list[mine.start..<(mine.start + mine.count)].reduce(0) { $0 + targetsOf[$1].count } * width)
        let d = UnsafeMutablePointer<Double>.allocate(capacity: N * p)
        let permutation = UnsafeMutablePointer<Int>.allocate(capacity: N)
        let replacement = UnsafeMutablePointer<Float>.allocate(capacity: N)
        let column = UnsafeMutablePointer<Double>.allocate(capacity: N)
        defer { d.deallocate(); permutation.deallocate(); replacement.deallocate(); column.deallocate() }
        var o = 0
        for (k, input) in list[mine.start..<(mine.start + mine.count)].enumerated() {
            let targets = targetsOf[input], K = targets.count
            d.initialize(repeating: 0, count: N * K)
            // the residuals are permuted within strata: per domain, the windows ordered by this
            // input's conditional mean and cut into `residualStrata` groups of equal size, so
            // that a residual lands on a window of a similar state (noise whose size depends on
            // the state, e.g. multiplicative, stays the right size); one group per domain for
            // the linear and permutation draws
            let strata = ResidualStrata(runs: runs, strata: { draw == .conditional ? residualStrata(windows: $0) : 1 },
                                        mean: { base[$0 * m + input] })
            for r in 0..<repeats {
                var rng = RNG(seed: drawSeed(seed, input: input, repeat: r))
                strata.permute(&rng, into: permutation)
                for w in 0..<N { replacement[w] = Float(base[w * m + input] + pool[permutation[w] * m + input]) }
                forecast(replicas, heldOut, zFloat, chunk: chunk, replace: (input, UnsafePointer(replacement)),
                         targets: targets == allTargets ? nil : targets, linear: linear, embedded: embedded, keysAndValues: cache) { w, out in
                    for (a, i) in targets.enumerated() {
                        let res = Double(out[a] - y[w * p + i])
                        d[w * K + a] += (res * res - e0[w * p + i]) / Double(repeats)
                    }
                }
            }
            for a in 0..<K {
                for w in 0..<N { column[w] = d[w * K + a] }
                let t = oneSidedTest(column, count: N, maxLag: L)
                piece[o] = Float(t.pValue); piece[o + 1] = Float(t.statistic); piece[o + 2] = Float(t.mean)
                for dom in 0..<D {
                    let range = domainRanges[dom]
                    piece[o + 3 + dom] = range.count >= 3
                        ? Float(oneSidedTest(column + range.lowerBound, count: range.count, maxLag: L).pValue) : .nan
                }
                o += width
            }
            progress?(k + 1, mine.count)
        }
        guard let pieces = communicator.gatherV(piece, root: 0) else { return nil }
        // input index r·p + j is source j at lag L − r; tensor index (lag−1)·p·p + source·p + target
        var pv = [Float](repeating: .nan, count: m * p), ts = pv, inc = pv
        var dom = [[Float]](repeating: pv, count: D)
        for (rank, values) in pieces.enumerated() {
            let owned = ShareOf(rank: rank, size: pieces.count).share(of: list.count)
            var o = 0
            for input in list[owned.start..<(owned.start + owned.count)] {
                let lag = L - input / p, source = input % p
                for i in targetsOf[input] {
                    let idx = (lag - 1) * p * p + source * p + i
                    pv[idx] = values[o]; ts[idx] = values[o + 1]; inc[idx] = values[o + 2]
                    for k in 0..<D { dom[k][idx] = values[o + 3 + k] }
                    o += width
                }
            }
        }
        func tensor(_ v: [Float]) -> ScoreTensor { ScoreTensor(maxLag: L, variables: p, values: v) }
        return Significance(pValues: tensor(pv), statistics: tensor(ts), lossIncrease: tensor(inc), windows: N,
                            repeats: repeats, draw: draw, conditionalModel: conditionalModels.isEmpty ? "none" : conditionalModels.joined(separator: "; "),
                            domainPValues: dom.map(tensor),
                            domainWindows: domainRanges.map(\.count), forecastErrors: forecastErrors)
    }

    /// The domains of `windows` (in time order per domain) as contiguous index ranges that cover
    /// 0..<windows.count.
    static func domainRuns(_ windows: [WindowRef]) -> [Range<Int>] {
        var runs: [Range<Int>] = [], start = 0
        while start < windows.count {
            var end = start
            while end < windows.count && windows[end].domain == windows[start].domain { end += 1 }
            runs.append(start..<end)
            start = end
        }
        return runs
    }

    /// Held-out windows per forward pass (each thread runs chunks of this many): 32 step-token
    /// windows (a few tokens each), 8 variable-token windows (L·p tokens each, whose attention
    /// buffers grow with T²).
    static func chunk(_ c: ModelConfig) -> Int { c.tokensPerStep == 1 ? 32 : 8 }

    /// Largest cache of the held-out windows' keys and values the tests keep (bytes, per rank;
    /// 9 MB at p = 1,000, L = 3 with 2,000 held-out windows).
    static let cacheBytes = 256 << 20

    /// Strata of the residual permutation for n held-out windows of a domain (`test`): one per
    /// 100 windows, at most 10 (below 200 windows, one: the permutation as before). Measured on
    /// independent Ricker maps, whose noise is multiplicative (docs/accuracy.md, stop 23).
    static func residualStrata(windows n: Int) -> Int { max(1, min(10, n / 100)) }

    /// The groups within which the null draw permutes residuals: per domain run, its windows
    /// ordered by the tested input's conditional mean (ties by window) and cut into equal
    /// groups; with one group per run the order is the run's own and `permute` is the plain
    /// Fisher–Yates shuffle of the run.
    struct ResidualStrata {
        /// Window indices, grouped; `groups` are ranges of it.
        let order: [Int]
        let groups: [Range<Int>]

        init(runs: [Range<Int>], strata: (Int) -> Int, mean: (Int) -> Double) {
            var order: [Int] = [], groups: [Range<Int>] = []
            for run in runs {
                let B = max(1, min(strata(run.count), run.count))
                var idx = Array(run)
                if B > 1 { idx.sort { (mean($0), $0) < (mean($1), $1) } }
                let start = order.count
                order += idx
                for b in 0..<B { groups.append((start + b * idx.count / B)..<(start + (b + 1) * idx.count / B)) }
            }
            self.order = order
            self.groups = groups
        }

        /// permutation[w] = the window whose residual window w takes: a Fisher–Yates shuffle
        /// within each group.
        func permute(_ rng: inout RNG, into permutation: UnsafeMutablePointer<Int>) {
            var shuffled = order
            for g in groups {
                for a in stride(from: g.upperBound - 1, to: g.lowerBound, by: -1) {
                    shuffled.swapAt(a, g.lowerBound + rng.int(a - g.lowerBound + 1))
                }
            }
            for (position, w) in order.enumerated() { permutation[w] = shuffled[position] }
        }
    }

    /// Fewest held-out windows the tests run on.
    public static let minimumHeldOut = 10

    /// Null draws per held-out window and input when the user gives none: with n held-out
    /// windows, ⌈1000 / n⌉ but at least 4 below 750 windows (at most 16), and ⌈3000 / n⌉ (4, 3,
    /// then 2 from 1,500) above, so that a tested input gets at least about 3,000 draws in all
    /// once that takes no more than 4 per window.
    ///
    /// Why the total: the per-window loss increase d_w is skewed and heavy-tailed, and the far
    /// tail of the t statistic approaches its reference as the skew of the mean of all n·R
    /// draws falls, about as 1/√(n·R). Measured on white noise, share of cross p-values below
    /// 1e-3 (1 = calibrated): 750 windows × 2 draws 1.7–2.0, × 4 draws 1.1; 2,000 windows × 2
    /// draws 0.93, × 4 draws 0.93 (20 datasets each; docs/accuracy.md, 2026-12-07). Fewer
    /// windows get more draws per window (up to 16: 200 rows of fMRI hold out 60) but not 3,000
    /// in all: the draws' noise costs power there, and the t-test's degrees of freedom
    /// (`oneSidedTest`) cover the tail; 300-row null data measured 2/1/1 datasets of 20 with
    /// a false cross edge.
    public static func defaultRepeats(heldOutWindows n: Int) -> Int {
        let windows = max(n, 1)
        let short = max(4, (1000 + windows - 1) / windows), long = min(4, (3000 + windows - 1) / windows)
        return min(16, max(2, windows < 750 ? short : long))
    }

    /// - Throws: `CausewayError` naming `--validation-fraction` when `count` < `minimumHeldOut`;
    ///   `droppedHeldOut`: held-out windows left out for touching a missing cell (said so).
    public static func checkHeldOut(_ count: Int, droppedHeldOut: Int = 0) throws {
        guard count >= minimumHeldOut else {
            throw CausewayError("--validation-fraction: \(count) held-out window(s)"
                                + (droppedHeldOut > 0 ? " (\(droppedHeldOut) of \(count + droppedHeldOut) touch a missing cell and are left out)" : "")
                                + "; the per-edge tests need at least \(minimumHeldOut) (raise --validation-fraction, give more rows"
                                + (droppedHeldOut > 0 ? ", fill the missing cells at the end of the series or leave out the column that has them" : "")
                                + ", or use --binarize auto, which needs no tests)")
        }
    }

    /// The conditional model of one domain, fitted on the inputs of up to 20,000 of its windows,
    /// training and held-out (all domains' windows when it has fewer than 2·m + 20). The model
    /// is of the inputs alone (no target enters it), so fitting it on the held-out windows'
    /// inputs keeps the test's null; fitted on the training windows alone it drew replacements
    /// from the wrong law when the held-out period had drifted (random walks, trending series),
    /// which inflated the loss increase under the null: 7 of 40 random-walk datasets reported a
    /// false cross edge at FDR 0.05, against 1 of 40 now (docs/accuracy.md, 2026-12-07).
    static func fitConditional(windows: WindowSet, domain: Int, inputs m: Int, linear: Bool = false) throws -> any ConditionalModel {
        let all = windows.train + windows.validation
        let own = all.filter { Int($0.domain) == domain }
        let source = own.count >= 2 * m + 20 ? own : all
        let refs = evenlySpaced(source, count: 20_000)
        let n = refs.count
        let z = UnsafeMutablePointer<Double>.allocate(capacity: n * m)
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 2 * m)
        defer { z.deallocate(); buffer.deallocate() }
        for (w, ref) in refs.enumerated() {
            windows.fill(ref, input: buffer, target: buffer + m)
            for k in 0..<m { z[w * m + k] = Double(buffer[k]) }
        }
        let basis = linear ? (degree: 1, knots: 0) : conditionalBasis(windows: n, inputs: m)
        if basis.degree > 1 || basis.knots > 0 {
            return try PolynomialConditional(windows: z, rows: n, inputs: m, degree: basis.degree, knots: basis.knots)
        }
        return try GaussianConditional(windows: z, rows: n, inputs: m)
    }

    /// The additive basis of the conditional model for n windows of m inputs: per input, cubic
    /// terms and 4 hinges at quantiles (7 features), else cubic terms (3), else linear (1),
    /// the richest with at least `windowsPerFeature` windows per feature (n ≥ 10·D·m).
    /// Measured on independent chaotic maps and the benchmark sets (docs/accuracy.md, stop 23):
    /// logistic maps need the cubic terms, Ricker and tent maps the hinges.
    static func conditionalBasis(windows n: Int, inputs m: Int) -> (degree: Int, knots: Int) {
        for basis in [(degree: 3, knots: 4), (degree: 3, knots: 0)] where n >= windowsPerFeature * (basis.degree + basis.knots) * m {
            return basis
        }
        return (1, 0)
    }

    /// Windows per feature of the conditional model's basis (`conditionalBasis`).
    static let windowsPerFeature = 10

    /// Runs the model on every held-out window (inputs from `z`, with input `replace.0` of
    /// window w set to `replace.1[w]`), in fixed chunks of `chunk` windows spread over the
    /// replicas, and hands each window's last-position forecast to `body` (called from the
    /// replicas' threads; each window once): [K] values, the forecasts of `targets` in that
    /// order (K = p, all targets in order, when nil).
    /// With `embedded` (step tokens; from `embedAll` on the same windows) the embeddings are
    /// not recomputed: the replaced input changes its token's embedding by the rank-one term
    /// (x̃ − x)·inW[k, :], and `forwardLastToken` computes the last-step forecast alone; that
    /// path adds no linear path, so a model with one needs `linear`.
    /// `keysAndValues` ([N, layers, T, 3d]; only with `embedded`): a call without `replace`
    /// fills it; a call with `replace` of token r then recomputes tokens r..<T only.
    static func forecast(_ replicas: ReplicaSet, _ heldOut: [WindowRef], _ z: UnsafePointer<Float>, chunk: Int,
                         replace: (Int, UnsafePointer<Float>)?, targets: [Int]? = nil, linear: LinearShortcut? = nil,
                         embedded: UnsafePointer<Float>? = nil, keysAndValues cache: UnsafeMutablePointer<Float>? = nil,
                         _ body: (Int, UnsafePointer<Float>) -> Void) {
        let c = replicas.primary.config, L = c.maxLag, p = c.variables, m = L * p
        let T = c.sequenceLength, d = c.dModel, f = c.featuresPerToken
        precondition(embedded == nil || linear != nil || !c.linearPath, "the embedded path needs the linear shortcut")
        precondition(cache == nil || embedded != nil, "the key/value cache needs the embedded path")
        let span = c.layers * T * 3 * d   // one window's cached keys and values
        let from = cache == nil ? 0 : (replace?.0 ?? 0) / f
        let K = targets?.count ?? p
        // the head's columns of `targets` ([d, K] and [K]), so the head computes those alone
        let head = targets.map { replicas.primary.headColumns($0) }
        forEachChunk(replicas, heldOut.count, chunk: chunk) { model, first, count in
            if let embedded {
                for s in 0..<count {
                    let w = first + s, e = model.encoded + s * T * d
                    e.update(from: embedded + w * T * d, count: T * d)
                    guard let (input, values) = replace else { continue }
                    // encoded[s, t, :] += (x̃ − x) · inW[k, :] for input t·f + k
                    let delta = values[w] - z[w * m + input], row = model.inputWeights + (input % f) * d
                    let token = e + (input / f) * d
                    for o in 0..<d { token[o] += delta * row[o] }
                }
                let slice = cache.map { $0 + first * span }, fill = cache != nil && replace == nil
                if let head {
                    head.weights.withUnsafeBufferPointer { w in
                        head.bias.withUnsafeBufferPointer { b in
                            model.forwardLastToken(batch: count, from: from, keysAndValues: slice, fillCache: fill,
                                                   head: (w.baseAddress!, b.baseAddress!, K))
                        }
                    }
                } else {
                    model.forwardLastToken(batch: count, from: from, keysAndValues: slice, fillCache: fill)
                }
            } else {
                load(model, heldOut, z, first: first, count: count)
                if let (input, values) = replace { for s in 0..<count { model.input[s * m + input] = values[first + s] } }
                model.forward(batch: count, linearPath: linear == nil)
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * p) { buffer in
                let forecast = buffer.baseAddress!, gathered = forecast + p
                for s in 0..<count {
                    // the K forecasts of `targets`: compact after the restricted head, else gathered
                    let w = first + s, raw = model.output + s * m + (L - 1) * p
                    var out = UnsafePointer(raw)
                    if let targets, embedded == nil {
                        for (a, i) in targets.enumerated() { gathered[a] = raw[i] }
                        out = UnsafePointer(gathered)
                    }
                    guard let linear else { body(w, out); continue }
                    linear.add(out, window: w, targets: targets, replace: replace.map { ($0.0, $0.1[w]) }, into: forecast)
                    body(w, forecast)
                }
            }
        }
    }

    /// Runs `body(model, first, count)` over windows 0..<n in fixed chunks of `chunk`
    /// (windows first..<first + count in the model's batch rows 0..<count), a wave of one
    /// chunk per replica at a time, each on its replica's thread.
    static func forEachChunk(_ replicas: ReplicaSet, _ n: Int, chunk: Int, _ body: (Transformer, Int, Int) -> Void) {
        let wave = chunk * replicas.workers
        var k = 0
        while k < n {
            let b = min(wave, n - k)
            replicas.forEachChunk(b, chunkSize: chunk) { _, model, start, count in body(model, k + start, count) }
            k += b
        }
    }

    /// Loads held-out windows first..<first + count (their inputs from `z` [N, L·p], their
    /// domains) into the model's batch rows 0..<count.
    static func load(_ model: Transformer, _ heldOut: [WindowRef], _ z: UnsafePointer<Float>, first: Int, count: Int) {
        let m = model.config.maxLag * model.config.variables
        for s in 0..<count {
            (model.input + s * m).update(from: z + (first + s) * m, count: m)
            model.setDomain(s, Int(heldOut[first + s].domain))
        }
    }

    /// [N, T, d] the token embeddings of every held-out window (`Transformer.embed`, in the same
    /// fixed chunks as `forecast`; the caller deallocates), or nil for variable tokens, whose
    /// embeddings cost little.
    static func embedAll(_ replicas: ReplicaSet, _ heldOut: [WindowRef], _ z: UnsafePointer<Float>, chunk: Int) -> UnsafeMutablePointer<Float>? {
        let c = replicas.primary.config
        guard c.tokensPerStep == 1 else { return nil }
        let span = c.sequenceLength * c.dModel
        let out = UnsafeMutablePointer<Float>.allocate(capacity: heldOut.count * span)
        forEachChunk(replicas, heldOut.count, chunk: chunk) { model, first, count in
            load(model, heldOut, z, first: first, count: count)
            model.embed(batch: count)
            (out + first * span).update(from: model.encoded, count: count * span)
        }
        return out
    }

    /// The linear path's share of the last-step forecast, computed once per held-out window:
    /// replacing one input changes it by a rank-one term, α·(x̃ − x)·W[c, :], so each tested
    /// input costs the transformer's forward pass alone, not the L·p·p linear path
    /// (at p = 1,000, L = 3 that is 18 MFLOP a window).
    struct LinearShortcut {
        let p: Int, m: Int, alpha: Float
        /// [banks, m, p]: row r·p + j of a bank = weight[L − 1 − r][j, :], the weights of input
        /// (row r, variable j) on the last-step forecast; one bank, or one per domain.
        let stack: [Float]
        /// [N]: the offset in `stack` of window w's bank (0 with one bank).
        let bankOffset: [Int]
        /// [N, p]: α · z[w] · stack, the linear path's last-step output of every window.
        let base: [Float]
        let z: UnsafePointer<Float>

        /// nil when the model has no linear path. `domains`: each window's domain (its bank with
        /// `linearPathPerDomain`).
        init?(_ model: Transformer, z: UnsafePointer<Float>, windows N: Int, domains: [Int]) {
            let c = model.config
            guard c.linearPath else { return nil }
            precondition(domains.count == N)
            let L = c.maxLag, p = c.variables, m = L * p, banks = c.linearPathBanks
            self.p = p; self.m = m; self.alpha = c.linearPathScale; self.z = z
            let w = model.parameters.pointer + model.layout.linearW.offset   // [banks, L, p, p]
            var stack = [Float](repeating: 0, count: banks * m * p)
            for k in 0..<banks {
                let wk = w + k * L * p * p, sk = k * m * p
                for r in 0..<L { for j in 0..<p { for o in 0..<p { stack[sk + (r * p + j) * p + o] = wk[((L - 1 - r) * p + j) * p + o] } } }
            }
            let offsets = domains.map { c.linearPathPerDomain ? $0 * m * p : 0 }
            var base = [Float](repeating: 0, count: N * p)
            stack.withUnsafeBufferPointer { sp in
                base.withUnsafeMutableBufferPointer { bp in
                    if banks == 1 {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(N), Int32(p), Int32(m),
                                    c.linearPathScale, z, Int32(m), sp.baseAddress!, Int32(p), 0, bp.baseAddress!, Int32(p))
                    } else {
                        for i in 0..<N {   // each window through its domain's bank
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, Int32(p), Int32(m),
                                        c.linearPathScale, z + i * m, Int32(m), sp.baseAddress! + offsets[i], Int32(p), 0,
                                        bp.baseAddress! + i * p, Int32(p))
                        }
                    }
                }
            }
            self.stack = stack
            self.bankOffset = offsets
            self.base = base
        }

        /// forecast = transformer's last-step output + the linear path's, with input `replace.0`
        /// of window w set to `replace.1`; `out` and `forecast` hold the outputs of `targets`
        /// in that order (all p when nil).
        func add(_ out: UnsafePointer<Float>, window w: Int, targets: [Int]? = nil, replace: (Int, Float)?,
                 into forecast: UnsafeMutablePointer<Float>) {
            let delta = replace.map { alpha * ($0.1 - z[w * m + $0.0]) } ?? 0, row = bankOffset[w] + (replace?.0 ?? 0) * p
            if let targets {
                for (a, o) in targets.enumerated() { forecast[a] = out[a] + base[w * p + o] + delta * stack[row + o] }
            } else {
                for o in 0..<p { forecast[o] = out[o] + base[w * p + o] + delta * stack[row + o] }
            }
        }
    }

    /// One-sided test of mean(d) > 0 for an autocorrelated series d[0..<n]: t = mean / SE with
    /// the Newey–West standard error (Bartlett weights 1 − k/(B+1), B = max(maxLag, ⌊4(n/100)^{2/9}⌋)),
    /// p = P(T_ν > t) with ν = min(n − 1, 3n / (2(B + 1))). A series with no variation gives
    /// p = 1 (mean ≤ 0) or 0 (mean > 0).
    ///
    /// The degrees of freedom: a Bartlett-kernel variance estimate with S = B + 1 weights is
    /// itself noisy, Var(σ̂²)/σ⁴ ≈ (4/3)·S/n (Andrews 1991, Econometrica 59:817–858, Prop. 1,
    /// with ∫k² = 2/3), and a χ²_ν/ν of that variance has ν = 3n/(2S); the t reference with n − 1
    /// degrees of freedom ignored this and made the far tail too heavy with few held-out
    /// windows (null data of 50 variables and 200 rows: 4 of 20 AR(1) datasets with a false
    /// cross edge at FDR 0.05; with ν: 1 of 20; docs/accuracy.md, 2026-12-07, stop 22).
    public static func oneSidedTest(_ d: UnsafePointer<Double>, count n: Int, maxLag: Int) -> (pValue: Double, statistic: Double, mean: Double) {
        precondition(n >= 2)
        var mean = 0.0
        for w in 0..<n { mean += d[w] }
        mean /= Double(n)
        let bandwidth = min(n - 1, max(maxLag, Int(4 * pow(Double(n) / 100, 2.0 / 9))))
        var variance = 0.0
        for w in 0..<n { variance += (d[w] - mean) * (d[w] - mean) }
        for k in stride(from: 1, through: bandwidth, by: 1) {
            var g = 0.0
            for w in k..<n { g += (d[w] - mean) * (d[w - k] - mean) }
            variance += 2 * (1 - Double(k) / Double(bandwidth + 1)) * g
        }
        variance /= Double(n)
        let scale = max(abs(mean), 1e-300)
        guard variance > 1e-24 * scale * scale, variance > 0 else { return (mean > 0 ? 0 : 1, mean > 0 ? .infinity : 0, mean) }
        let t = mean / (variance / Double(n)).squareRoot()
        return (StudentT.upperTail(t, df: degreesOfFreedom(count: n, bandwidth: bandwidth)), t, mean)
    }

    /// ν = min(n − 1, 3n / (2(B + 1))) of `oneSidedTest` for n values and bandwidth B.
    static func degreesOfFreedom(count n: Int, bandwidth: Int) -> Double {
        min(Double(n - 1), 1.5 * Double(n) / Double(bandwidth + 1))
    }

    /// The seed of the draws for one input and repeat (SplitMix-style mixing of the three).
    static func drawSeed(_ seed: UInt64, input: Int, repeat r: Int) -> UInt64 {
        var x = seed ^ 0x5349_474E_4946_4943   // "SIGNIFIC"
        x = (x ^ UInt64(input)) &* 0x9E37_79B9_7F4A_7C15
        x = (x ^ UInt64(r) &+ 0x632B_E59B_D9B4_E019) &* 0xBF58_476D_1CE4_E5B9
        return x ^ (x >> 31)
    }
}
