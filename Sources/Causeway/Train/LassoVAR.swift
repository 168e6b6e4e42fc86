import Foundation

/// The lasso VAR of every target on all m = L·p inputs, with its penalty chosen by blocked
/// cross-validation on the training windows: the linear path's `--linear-path-start lasso`.
///
/// Why: with few windows per input (a few hundred rows of 50–200 variables) the least-squares VAR
/// forecasts worse than each variable's own lag-1 fit, and so does a model trained from either,
/// while most of the true graph is sparse and a lasso finds it (measured in docs/accuracy.md).
///
/// Method (Tibshirani 1996, "Regression shrinkage and selection via the lasso", JRSS B 58:267–288;
/// coordinate descent on the Gram matrix and warm starts along a path of penalties: Friedman,
/// Hastie & Tibshirani 2010, "Regularization paths for generalized linear models via coordinate
/// descent", J. Stat. Softw. 33(1)). Per target i, with X [n, m] the windows' z-scored inputs and
/// y their last-step values of i:
///   b = argmin (1/(2n))·‖y − X b‖² + λ·‖b‖₁,
/// solved from G = XᵀX and c = Xᵀy alone: b_k ← S(c_k − Σ_{l≠k} G_kl b_l, n·λ) / G_kk, S the soft
/// threshold. One λ for all targets (the inputs and targets are z-scored alike), chosen from
/// `pathLength` values from λ_max = max |Xᵀy| / n (every b = 0) down to `pathRatio`·λ_max by the
/// summed squared error on K = `folds` contiguous blocks of the training windows, each left out
/// in turn (time-blocked cross-validation); the fit is then redone on all training windows.
/// Held-out (validation) windows never enter. A target's own lags above 1 stay 0, as in the
/// autoregressive start (`AutoregressiveStart`): training adds them where they help the
/// forecast, while a start that seeds them put lag-2 self-loops into the fMRI graphs (NetSim
/// sim1–4 with this start: lagged F1 0.59 / 0.47 / 0.36 / 0.33 with them, against 0.57 / 0.60 /
/// 0.43 / 0.45 for the autoregressive start).
public enum LassoVAR {
    public static let folds = 5
    public static let pathLength = 20
    /// Most coordinate-descent sweeps per fit and penalty (`descend`).
    static let maxSweeps = 100
    /// The smallest penalty of the path relative to λ_max: 10⁻⁴ with more windows than inputs,
    /// else 10⁻² (near-interpolating fits are slow to converge and never chosen there), as in
    /// glmnet's default (Friedman et al. 2010).
    public static func pathRatio(windows n: Int, inputs m: Int) -> Double { n > m ? 1e-4 : 1e-2 }

    /// One bank's fit.
    public struct Fit: Sendable {
        /// [L·p·p] in the linear path's layout, indexed (lag−1, source, target).
        public let coefficients: [Double]
        /// The chosen penalty λ (in units of the z-scored targets).
        public let lambda: Double
        /// The penalties tried, largest first (the path stops two past the minimum), and their
        /// cross-validated mean squared error (per target and window; empty when the bank has
        /// fewer than 2·`folds` windows).
        public let path: [Double]
        public let crossValidationError: [Double]
        /// The cross-validated mean squared error, on the same folds, of each target's own lag-1
        /// ridge fit (the autoregressive start's model, `AutoregressiveStart.ridge`); NaN when
        /// the bank has fewer than 2·`folds` windows.
        public var ownLagError = Double.nan
        /// Training windows of the bank.
        public var windows = 0
    }

    /// The fit per bank: one over all training windows (`banks` = 1) or one per domain, each on
    /// its own windows. A bank with fewer than 2·`folds` training windows gets all zeros (no
    /// penalty can be chosen there). Deterministic: the same windows give the same bits on every
    /// rank and for any thread count (each target is fitted alone).
    public static func fit(windows: WindowSet, banks: Int) -> [Fit] {
        precondition(banks == 1 || banks == windows.sources.count, "banks: 1 or one per domain")
        let p = windows.variables, m = windows.maxLag * p, K = folds
        // per bank, the position of each training window among the bank's windows → its fold
        var seen = [Int](repeating: 0, count: banks), total = [Int](repeating: 0, count: banks)
        for w in windows.train { total[banks == 1 ? 0 : Int(w.domain)] += 1 }
        let equations = VARNormalEquations.accumulate(windows: windows, refs: windows.train, groups: banks * K) { w, _ in
            let b = banks == 1 ? 0 : Int(w.domain)
            defer { seen[b] += 1 }
            return b * K + seen[b] * K / max(total[b], 1)
        }
        return (0..<banks).map { b in
            let parts = Array(equations[(b * K)..<((b + 1) * K)])
            guard total[b] >= 2 * K else {
                return Fit(coefficients: [Double](repeating: 0, count: m * p), lambda: .nan, path: [], crossValidationError: [],
                           windows: total[b])
            }
            var f = fit(folds: parts)
            f.ownLagError = ownLagError(folds: parts)
            f.windows = total[b]
            return f
        }
    }

    /// The cross-validated error of each target's own lag-1 ridge fit, per target and window:
    /// for fold f and target i, a = c_i / (G_ii + λ·n) on the other folds (input i is target
    /// i's lag 1), and its squared error yᵀy_f − 2a·c_f,i + a²·G_f,ii on the fold.
    static func ownLagError(folds parts: [VARNormalEquations]) -> Double {
        let all = VARNormalEquations.pooled(parts)
        let m = all.inputs, p = all.targets
        var error = 0.0
        for part in parts {
            let nTrain = Double(all.count - part.count)
            for i in 0..<p {
                let g = all.xtx[i * m + i] - part.xtx[i * m + i], c = all.xty[i * p + i] - part.xty[i * p + i]
                let a = c / (g + AutoregressiveStart.ridge * nTrain)
                error += part.yty[i] - 2 * a * part.xty[i * p + i] + a * a * part.xtx[i * m + i]
            }
        }
        return error / (Double(all.count) * Double(p))
    }

    /// The cross-validated fit from the equations of K contiguous folds of one bank's windows.
    /// The path is walked from λ_max down, every fold and target warm-started from the previous
    /// λ, and stops once the cross-validated error has risen at two penalties in a row past its
    /// minimum (the smaller penalties' fits are the slowest and are not chosen).
    static func fit(folds parts: [VARNormalEquations]) -> Fit {
        let all = VARNormalEquations.pooled(parts)
        let m = all.inputs, p = all.targets, n = Double(all.count), K = parts.count
        var lambdaMax = 0.0
        for v in all.xty { lambdaMax = max(lambdaMax, abs(v)) }
        lambdaMax /= n
        guard lambdaMax > 0 else {
            return Fit(coefficients: [Double](repeating: 0, count: m * p), lambda: 0, path: [], crossValidationError: [])
        }
        let ratio = pathRatio(windows: all.count - all.count / K, inputs: m)
        let path = (0..<pathLength).map { lambdaMax * pow(ratio, Double($0) / Double(pathLength - 1)) }
        let fullGram = all.gram
        // each fold's training Gram (all windows but the fold's) and the fold's own
        let foldGrams = parts.map(\.gram)
        let trainGrams = foldGrams.map { g in (0..<(m * m)).map { fullGram[$0] - g[$0] } }
        // the coefficients of every (fold, target), [K·p][m], warm-started along the path
        var b = [[Double]](repeating: [Double](repeating: 0, count: m), count: K * p)
        var cv: [Double] = []
        for lambda in path {
            var errors = [Double](repeating: 0, count: K * p)
            b.withUnsafeMutableBufferPointer { bb in
                errors.withUnsafeMutableBufferPointer { eb in
                    let bb = bb.baseAddress!, eb = eb.baseAddress!
                    DispatchQueue.concurrentPerform(iterations: K * p) { job in
                        let f = job / p, i = job % p, part = parts[f]
                        let c = (0..<m).map { all.xty[$0 * p + i] - part.xty[$0 * p + i] }
                        trainGrams[f].withUnsafeBufferPointer { G in
                            descend(G.baseAddress!, c, n: n - Double(part.count), lambda: lambda, b: &bb[job], fixed: { ownHigherLag($0, target: i, variables: p) })
                        }
                        // the fold's squared error: yᵀy_f − 2 bᵀc_f + bᵀG_f b over b's nonzeros
                        let coef = bb[job], g = foldGrams[f]
                        let nz = coef.indices.filter { coef[$0] != 0 }
                        var e = part.yty[i]
                        for k in nz {
                            e -= 2 * coef[k] * part.xty[k * p + i]
                            for l in nz { e += coef[k] * g[k * m + l] * coef[l] }
                        }
                        eb[job] = e
                    }
                }
            }
            cv.append(errors.reduce(0, +) / (n * Double(p)))   // summed in a fixed order
            let best = cv.indices.min { cv[$0] < cv[$1] }!
            if cv.count >= best + 3 { break }
        }
        let best = cv.indices.min { cv[$0] < cv[$1] }!
        // the fit on every window, along the path down to the chosen λ
        var coefficients = [Double](repeating: 0, count: m * p)
        fullGram.withUnsafeBufferPointer { G in
            coefficients.withUnsafeMutableBufferPointer { out in
                let out = out.baseAddress!
                DispatchQueue.concurrentPerform(iterations: p) { i in
                    let c = (0..<m).map { all.xty[$0 * p + i] }
                    var b = [Double](repeating: 0, count: m)
                    for lambda in path[...best] { descend(G.baseAddress!, c, n: n, lambda: lambda, b: &b, fixed: { ownHigherLag($0, target: i, variables: p) }) }
                    for k in 0..<m { out[k * p + i] = b[k] }   // row (lag−1)·p + source, column target
                }
            }
        }
        return Fit(coefficients: coefficients, lambda: path[best], path: Array(path[..<cv.count]), crossValidationError: cv)
    }

    /// Input k = (lag−1)·p + source is target i's own lag above 1: kept at 0 by the fits.
    static func ownHigherLag(_ k: Int, target i: Int, variables p: Int) -> Bool { k >= p && k % p == i }

    /// Coordinate descent for one target from the warm start `b` [m]: Gram `G` [m, m] (both
    /// triangles), c = Xᵀy [m], n windows, penalty λ; inputs k with `fixed(k)` stay at their
    /// start value. Sweeps the active set until no
    /// coefficient moves by more than 1e-5 (in units of the z-scored target), then every input
    /// once; stops when a full sweep changes nothing that large, or after `maxSweeps` sweeps in
    /// all (a start need not be converged to the last digit; ill-conditioned near-interpolating
    /// fits would otherwise take millions).
    static func descend(_ G: UnsafePointer<Double>, _ c: [Double], n: Double, lambda: Double, b: inout [Double],
                        fixed: (Int) -> Bool = { _ in false }) {
        let m = c.count, threshold = n * lambda, tolerance = 1e-5
        var sweeps = 0
        // r = c − G·b, the correlation of each input with the current residual (times n)
        var r = c
        for k in 0..<m where b[k] != 0 { for l in 0..<m { r[l] -= G[l * m + k] * b[k] } }
        func update(_ k: Int) -> Double {
            let gkk = G[k * m + k]
            guard gkk > 0, !fixed(k) else { return 0 }
            let z = r[k] + gkk * b[k]
            let new = z > threshold ? (z - threshold) / gkk : z < -threshold ? (z + threshold) / gkk : 0
            let delta = new - b[k]
            guard delta != 0 else { return 0 }
            for l in 0..<m { r[l] -= G[l * m + k] * delta }
            b[k] = new
            return abs(delta) * (gkk / n).squareRoot()
        }
        while sweeps < maxSweeps {
            var moved = 0.0
            for k in 0..<m { moved = max(moved, update(k)) }   // a full sweep
            sweeps += 1
            if moved < tolerance { return }
            while sweeps < maxSweeps {                           // the active set to convergence
                var inner = 0.0
                for k in 0..<m where b[k] != 0 { inner = max(inner, update(k)) }
                sweeps += 1
                if inner < tolerance { break }
            }
        }
    }
}
