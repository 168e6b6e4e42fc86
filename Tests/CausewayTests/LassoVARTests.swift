import Foundation
import Testing
@testable import Causeway

/// `LassoVAR`: coordinate descent checked against the lasso's optimality (KKT) conditions and
/// least squares, the cross-validated choice on the folds, and the start's placement.
@Suite struct LassoVARTests {
    /// A sparse VAR(2) of p variables: each x_i has a self-loop 0.4 at lag 1, and x_(i+1) mod p
    /// depends on x_i at lag 1 (0.5) for even i; at lag 2 (−0.4) for odd i.
    static func sparseVAR(rows: Int, p: Int, seed: UInt64) -> Series {
        var rng = RNG(seed: seed)
        var x = [Double](repeating: 0, count: rows * p)
        for t in 2..<rows {
            for i in 0..<p {
                var v = rng.gaussian() + 0.4 * x[(t - 1) * p + i]
                let j = (i + p - 1) % p   // the parent of i
                v += j % 2 == 0 ? 0.5 * x[(t - 1) * p + j] : -0.4 * x[(t - 2) * p + j]
                x[t * p + i] = v
            }
        }
        return Series(rows: rows, columns: p, values: x)
    }

    /// The Gram system of a random regression: G = XᵀX, c = Xᵀy (n rows, m inputs, the first 3
    /// carrying the signal).
    static func system(n: Int, m: Int, seed: UInt64) -> (G: [Double], c: [Double]) {
        var rng = RNG(seed: seed)
        var G = [Double](repeating: 0, count: m * m), c = [Double](repeating: 0, count: m)
        for _ in 0..<n {
            let x = (0..<m).map { _ in rng.gaussian() }
            let y = 0.8 * x[0] - 0.5 * x[1] + 0.3 * x[2] + rng.gaussian()
            for a in 0..<m { c[a] += x[a] * y; for b in 0..<m { G[a * m + b] += x[a] * x[b] } }
        }
        return (G, c)
    }

    /// KKT: with r = (c − G·b)/n, r_k = λ·sign(b_k) where b_k ≠ 0 and |r_k| ≤ λ where b_k = 0.
    @Test func descentSatisfiesTheLassoOptimalityConditions() {
        let n = 400, m = 12
        let (G, c) = Self.system(n: n, m: m, seed: 4)
        for lambda in [0.3, 0.1, 0.02] {
            var b = [Double](repeating: 0, count: m)
            G.withUnsafeBufferPointer { LassoVAR.descend($0.baseAddress!, c, n: Double(n), lambda: lambda, b: &b) }
            for k in 0..<m {
                let r = (c[k] - (0..<m).reduce(0.0) { $0 + G[k * m + $1] * b[$1] }) / Double(n)
                if b[k] != 0 {
                    #expect(abs(r - lambda * (b[k] > 0 ? 1 : -1)) < 1e-4, "λ \(lambda), input \(k): r = \(r)")
                } else {
                    #expect(abs(r) <= lambda + 1e-6, "λ \(lambda), input \(k): r = \(r)")
                }
            }
            if lambda == 0.3 { #expect(b[0] > 0 && b[1] < 0 && b[3...].allSatisfy { $0 == 0 }) }
        }
        // λ → 0: least squares
        var b = [Double](repeating: 0, count: m)
        G.withUnsafeBufferPointer { LassoVAR.descend($0.baseAddress!, c, n: Double(n), lambda: 1e-12, b: &b) }
        let ols = solveLinearSystem(G, c, m)
        for k in 0..<m { #expect(abs(b[k] - ols[k]) < 1e-4, "input \(k)") }
    }

    /// On a sparse VAR with few windows per input the cross-validated lasso keeps the true
    /// edges with their signs and drops most others; its λ is the path's cross-validated minimum.
    @Test func crossValidatedFitRecoversASparseVAR() {
        let p = 8, L = 2, m = L * p
        let w = WindowSet(sources: [Self.sparseVAR(rows: 400, p: p, seed: 21)], maxLag: L, validationFraction: 0.2)
        let fit = LassoVAR.fit(windows: w, banks: 1)[0]
        let b = fit.coefficients
        #expect(b.count == m * p)
        for i in 0..<p {
            let j = (i + p - 1) % p
            #expect(b[(0 * p + i) * p + i] > 0.15, "self-loop of \(i)")                 // (lag 1, source i, target i)
            if j % 2 == 0 { #expect(b[(0 * p + j) * p + i] > 0.2, "\(j) → \(i) lag 1") }
            else { #expect(b[(1 * p + j) * p + i] < -0.15, "\(j) → \(i) lag 2") }
        }
        let nonzero = b.filter { $0 != 0 }.count
        #expect(nonzero < m * p / 2, "\(nonzero) of \(m * p) nonzero")
        let best = fit.crossValidationError.indices.min { fit.crossValidationError[$0] < fit.crossValidationError[$1] }!
        #expect(fit.lambda == fit.path[best] && fit.path.first! > fit.path.last!)
        #expect(fit.crossValidationError[best] < fit.crossValidationError[0])   // better than all zeros
    }

    /// The cross-validation error of a penalty equals the squared error, on each held-out fold,
    /// of the fit on the other folds, computed here from the windows directly.
    @Test func crossValidationErrorIsTheHeldOutFoldsError() {
        let p = 3, L = 1
        let w = WindowSet(sources: [Self.sparseVAR(rows: 300, p: p, seed: 2)], maxLag: L, validationFraction: 0.1)
        let fit = LassoVAR.fit(windows: w, banks: 1)[0]
        let K = LassoVAR.folds, n = w.train.count
        var input = [Float](repeating: 0, count: p), target = [Float](repeating: 0, count: p)
        let rows: [([Double], [Double])] = w.train.map { ref in
            w.fill(ref, input: &input, target: &target)
            return (input.map(Double.init), target.map(Double.init))
        }
        let a = 1   // the second penalty of the path
        var total = 0.0
        for f in 0..<K {
            let inFold = (0..<n).map { $0 * K / n == f }
            var G = [Double](repeating: 0, count: p * p), c = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
            for (k, r) in rows.enumerated() where !inFold[k] {
                for u in 0..<p { for v in 0..<p { G[u * p + v] += r.0[u] * r.0[v] }; for i in 0..<p { c[i][u] += r.0[u] * r.1[i] } }
            }
            let nTrain = Double(inFold.filter { !$0 }.count)
            for i in 0..<p {
                var b = [Double](repeating: 0, count: p)
                G.withUnsafeBufferPointer { g in for lambda in fit.path[...a] { LassoVAR.descend(g.baseAddress!, c[i], n: nTrain, lambda: lambda, b: &b) } }
                for (k, r) in rows.enumerated() where inFold[k] {
                    let e = r.1[i] - (0..<p).reduce(0.0) { $0 + b[$1] * r.0[$1] }
                    total += e * e
                }
            }
        }
        #expect(isClose(fit.crossValidationError[a], total / Double(n * p), rel: 1e-6, abs: 1e-9))
    }

    /// The start's placement, read back through the model's forward pass, and every rank's bits.
    @Test func lassoStartIsPlacedInTheLinearPath() {
        let p = 4, L = 2
        let w = WindowSet(sources: [Self.sparseVAR(rows: 300, p: p, seed: 3)], maxLag: L, validationFraction: 0.2)
        let got = LassoVAR.fit(windows: w, banks: 1)[0].coefficients
        #expect(got == LassoVAR.fit(windows: w, banks: 1)[0].coefficients)   // deterministic
        let c = ModelConfig(tokens: .step, variables: p, maxLag: L, dModel: 8, layers: 1, heads: 2, linearPath: true)
        let model = Transformer(config: c, batchCapacity: 1, seed: 1)
        AutoregressiveStart.apply(to: model, windows: w, start: .lasso)
        AutoregressiveStartTests.expectPathForecasts(model, windows: w, window: w.validation[2], coefficients: got)
    }
}

/// `--linear-path-start auto`: the lasso where windows per input are few and it forecasts better
/// than the own lags on the same folds, the autoregressive start otherwise.
@Suite struct AutoStartTests {
    func model(p: Int, L: Int) -> Transformer {
        Transformer(config: ModelConfig(tokens: .step, variables: p, maxLag: L, dModel: 8, layers: 1, heads: 2, linearPath: true),
                    batchCapacity: 1, seed: 1)
    }

    @Test func autoChoosesTheLassoOnlyWhereItForecastsBetterOnFewWindows() {
        // a sparse VAR with 8 variables × max lag 2 = 16 inputs and about 120 windows (< 10 per input): cross links
        // forecast, so the lasso wins and is written
        let p = 8, L = 2
        let w = WindowSet(sources: [LassoVARTests.sparseVAR(rows: 150, p: p, seed: 21)], maxLag: L, validationFraction: 0.2)
        let m1 = model(p: p, L: L)
        let c1 = AutoregressiveStart.apply(to: m1, windows: w, start: .auto)
        let fit = LassoVAR.fit(windows: w, banks: 1)[0]
        #expect(c1.start == .lasso && (c1.lassoError ?? 1) < (c1.ownLagError ?? 0), "\(c1)")
        #expect(isClose(c1.lassoError ?? 0, fit.crossValidationError.min()!, rel: 1e-12, abs: 0) && isClose(c1.ownLagError ?? 0, fit.ownLagError, rel: 1e-12, abs: 0))
        let m2 = model(p: p, L: L)
        AutoregressiveStart.apply(to: m2, windows: w, start: .lasso)
        let weights = { (t: Transformer) in Array(UnsafeBufferPointer(start: t.parameters.pointer + t.layout.linearW.offset, count: L * p * p)) }
        #expect(weights(m1) == weights(m2))
        // independent AR(1) series: no cross link forecasts; the own lags win
        var rng = RNG(seed: 4)
        var x = [Double](repeating: 0, count: 150 * p)
        for t in 1..<150 { for i in 0..<p { x[t * p + i] = 0.7 * x[(t - 1) * p + i] + rng.gaussian() } }
        let wn = WindowSet(sources: [Series(rows: 150, columns: p, values: x)], maxLag: L, validationFraction: 0.2)
        let c2 = AutoregressiveStart.apply(to: model(p: p, L: L), windows: wn, start: .auto)
        #expect(c2.start == .autoregressive && (c2.lassoError ?? 0) >= (c2.ownLagError ?? 1), "\(c2)")
        // many windows per input: the autoregressive start, without a lasso fit
        let long = WindowSet(sources: [LassoVARTests.sparseVAR(rows: 2000, p: 4, seed: 2)], maxLag: 1, validationFraction: 0.1)
        let c3 = AutoregressiveStart.apply(to: model(p: 4, L: 1), windows: long, start: .auto)
        #expect(c3.start == .autoregressive && c3.lassoError == nil && c3.reason?.contains("enough for training") == true)
    }

    /// The own-lag error is each target's lag-1 ridge fit on the other folds, scored on the fold,
    /// computed here from the windows directly.
    @Test func ownLagErrorIsTheFoldsError() {
        let p = 3, L = 2
        let w = WindowSet(sources: [LassoVARTests.sparseVAR(rows: 200, p: p, seed: 7)], maxLag: L, validationFraction: 0.1)
        let fit = LassoVAR.fit(windows: w, banks: 1)[0]
        let K = LassoVAR.folds, n = w.train.count
        var input = [Float](repeating: 0, count: L * p), target = [Float](repeating: 0, count: L * p)
        let rows: [([Double], [Double])] = w.train.map { ref in
            w.fill(ref, input: &input, target: &target)
            return ((0..<p).map { Double(input[(L - 1) * p + $0]) }, (0..<p).map { Double(target[(L - 1) * p + $0]) })
        }
        var total = 0.0
        for f in 0..<K {
            let inFold = (0..<n).map { $0 * K / n == f }
            let nTrain = Double(inFold.filter { !$0 }.count)
            for i in 0..<p {
                var g = 0.0, c = 0.0
                for (k, r) in rows.enumerated() where !inFold[k] { g += r.0[i] * r.0[i]; c += r.0[i] * r.1[i] }
                let a = c / (g + AutoregressiveStart.ridge * nTrain)
                for (k, r) in rows.enumerated() where inFold[k] { total += pow(r.1[i] - a * r.0[i], 2) }
            }
        }
        #expect(isClose(fit.ownLagError, total / Double(n * p), rel: 1e-9, abs: 0))
    }
}
