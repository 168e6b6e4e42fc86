import CBLAS

/// The conditional mean of each input of a window given the others, the null draw's model
/// (`PredictiveImpact`): E[z_c | z_−c] and the factor that scales the permuted residuals.
public protocol ConditionalModel: Sendable {
    /// m = L·p inputs per window.
    var inputs: Int { get }
    /// `residualScale`'s factor s (see `GaussianConditional.residualScale`).
    var residualScale: Double { get }
    /// out[w, c] = E[z_c | z_−c] for `rows` windows z (row-major [rows, m]).
    func conditionalMeans(_ z: UnsafePointer<Double>, rows n: Int, into out: UnsafeMutablePointer<Double>)
    /// The model in words, for the decision's description ("linear", "additive: …").
    var basisDescription: String { get }
}

extension GaussianConditional: ConditionalModel {
    public var basisDescription: String { "linear" }
}

/// An additive polynomial model of each input given the others: E[z_c | z_−c] = a_c +
/// Σ_{k≠c} Σ_{d=1..D} β_ckd·h_d(u_k), with u_k the z-scored input k and h_d the probabilists'
/// Hermite polynomials (h₁ = u, h₂ = u² − 1, h₃ = u³ − 3u), fitted by least squares.
///
/// Why: the linear model of `GaussianConditional` misses nonlinear ties between an input and its
/// neighbours, such as x_{t−1} = r·x_{t−2}(1 − x_{t−2}) of a logistic map. Its draws then leave
/// the data's manifold (a chaotic series at lags 1 and 2 is tied by a parabola; the linear draw
/// keeps only their correlation, about 0), the model's forecast of *every* target moves a little
/// on such inputs, and the tests report edges between independent series: a new-user trial's 5
/// independent logistic maps gave 20 of 20 possible cross edges at q ≈ 1e-10
/// (docs/accuracy.md, stop 23). The quadratic and cubic terms of each neighbour capture
/// such ties; the linear model is the case D = 1.
///
/// Computation: with F = [h₁(u), …, h_D(u)] the M = m·D features of a window (index
/// (d − 1)·m + k), their mean μ, covariance Σ (plus `ridge`·mean(diag Σ) on the diagonal) and
/// Θ = Σ⁻¹, the regression of the block b_c = {(d − 1)·m + c} on the other features is
/// E[F_b | F_−b] = F_b − Θ_bb⁻¹·(Θ(F − μ))_b (the partitioned inverse); its first component is
/// E[u_c | z_−c], in z-scored units.
public struct PolynomialConditional: ConditionalModel {
    public let inputs: Int
    /// The highest power of each neighbour (1 … 3).
    public let degree: Int
    /// Hinge terms (u − κ)₊ per neighbour, at κ = its j/(knots + 1) quantiles (j = 1 … knots).
    public let knots: Int
    /// D = degree + knots features per input.
    var perInput: Int { degree + knots }
    /// [m, knots] each input's knots, in z-scored units.
    let knotValues: [Double]
    /// Windows the model was fitted on (n).
    public let fittedRows: Int
    /// [m] each input's mean and standard deviation (for u).
    let mean: [Double], scale: [Double]
    /// [M] the features' means; [M, M] Θ.
    let featureMean: [Double], precision: [Double]
    /// [m, D]: row c = the first row of Θ_bb⁻¹ for input c's block.
    let blockRow: [Double]

    /// Fits the model on `rows` windows of `inputs` values each (row-major [rows, m]).
    /// - Throws: `CausewayError` when fewer than 2 rows are given or Σ + ridge is not positive
    ///   definite.
    public init(windows z: UnsafePointer<Double>, rows n: Int, inputs m: Int, degree: Int = 3, knots: Int = 0, ridge: Double = 1e-4) throws {
        precondition(degree >= 1 && degree <= 3 && knots >= 0, "degree 1 … 3, knots ≥ 0")
        guard n >= 2 else { throw CausewayError("conditional model: needs at least 2 windows, got \(n)") }
        inputs = m; self.degree = degree; self.knots = knots; fittedRows = n
        let D = degree + knots
        var mu = [Double](repeating: 0, count: m), sd = [Double](repeating: 0, count: m)
        for w in 0..<n { for c in 0..<m { mu[c] += z[w * m + c] } }
        for c in 0..<m { mu[c] /= Double(n) }
        for w in 0..<n { for c in 0..<m { let v = z[w * m + c] - mu[c]; sd[c] += v * v } }
        for c in 0..<m { sd[c] = sd[c] > 0 ? (sd[c] / Double(n - 1)).squareRoot() : 1 }
        mean = mu; scale = sd
        var kv = [Double](repeating: 0, count: m * knots)
        if knots > 0 {
            var column = [Double](repeating: 0, count: n)
            for c in 0..<m {
                for w in 0..<n { column[w] = (z[w * m + c] - mu[c]) / sd[c] }
                column.sort()
                for j in 0..<knots { kv[c * knots + j] = column[min(n - 1, (j + 1) * n / (knots + 1))] }
            }
        }
        knotValues = kv
        let M = m * D
        // feature means, then Σ accumulated over chunks of windows (n·M doubles at once would be
        // 288 MB at p = 200, L = 3, 20,000 windows)
        let chunk = 1024
        let f = UnsafeMutablePointer<Double>.allocate(capacity: chunk * M)
        defer { f.deallocate() }
        var fm = [Double](repeating: 0, count: M)
        var sigma = [Double](repeating: 0, count: M * M)
        for pass in 0..<2 {
            for first in stride(from: 0, to: n, by: chunk) {
                let rows = min(chunk, n - first)
                Self.features(z + first * m, rows: rows, inputs: m, degree: degree, knots: knots, knotValues: kv, mean: mu, scale: sd, into: f)
                if pass == 0 {
                    for w in 0..<rows { for k in 0..<M { fm[k] += f[w * M + k] } }
                } else {
                    for w in 0..<rows { for k in 0..<M { f[w * M + k] -= fm[k] } }
                    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(M), Int32(rows), 1 / Double(n - 1), f, Int32(M),
                                1, &sigma, Int32(M))
                }
            }
            if pass == 0 { for k in 0..<M { fm[k] /= Double(n) } }
        }
        for r in 0..<M { for c in (r + 1)..<max(r + 1, M) { sigma[r * M + c] = sigma[c * M + r] } }
        let theta = try SymmetricPositiveDefinite.inverse(sigma, n: M, relativeRidge: ridge)
        var rows = [Double](repeating: 0, count: m * D)
        for c in 0..<m {
            var block = [Double](repeating: 0, count: D * D)
            for a in 0..<D { for b in 0..<D { block[a * D + b] = theta[(a * m + c) * M + b * m + c] } }
            var e0 = [Double](repeating: 0, count: D)
            e0[0] = 1
            // Θ_bb is symmetric: its inverse's first row = Θ_bb⁻¹·e₀
            let r = try SymmetricPositiveDefinite.solve(block, e0, n: D)
            for a in 0..<D { rows[c * D + a] = r[a] }
        }
        featureMean = fm; precision = theta; blockRow = rows
    }

    /// F [rows, m·D] of `z` [rows, m], u = (z − mean)/scale: h_d(u) at index (d − 1)·m + c for
    /// d = 1 … degree, then (u − κ_j)₊ at index (degree + j − 1)·m + c.
    static func features(_ z: UnsafePointer<Double>, rows n: Int, inputs m: Int, degree: Int, knots: Int, knotValues: [Double],
                         mean: [Double], scale: [Double], into f: UnsafeMutablePointer<Double>) {
        let M = m * (degree + knots)
        for w in 0..<n {
            for c in 0..<m {
                let u = (z[w * m + c] - mean[c]) / scale[c]
                f[w * M + c] = u
                if degree >= 2 { f[w * M + m + c] = u * u - 1 }
                if degree >= 3 { f[w * M + 2 * m + c] = u * u * u - 3 * u }
                for j in 0..<knots { f[w * M + (degree + j) * m + c] = max(0, u - knotValues[c * knots + j]) }
            }
        }
    }

    public var basisDescription: String {
        "additive: " + (degree == 3 ? "cubic" : degree == 2 ? "quadratic" : "linear") + " terms"
            + (knots > 0 ? " and \(knots) hinges" : "") + " per input"
    }

    /// The least-squares fit of each input on the D·(m − 1) features of the others and an
    /// intercept leaves in-sample residuals shrunk by (n − k − 1)/n with k = D·(m − 1):
    /// s² = 2n/(n − k − 1) − 1, capped at 9 (`GaussianConditional.residualScale`).
    public var residualScale: Double {
        GaussianConditional.residualScale(rows: fittedRows, regressors: perInput * (inputs - 1))
    }

    public func conditionalMeans(_ z: UnsafePointer<Double>, rows n: Int, into out: UnsafeMutablePointer<Double>) {
        let m = inputs, D = perInput, M = m * D, chunk = 1024
        let f = UnsafeMutablePointer<Double>.allocate(capacity: chunk * M)
        let g = UnsafeMutablePointer<Double>.allocate(capacity: chunk * M)
        defer { f.deallocate(); g.deallocate() }
        for first in stride(from: 0, to: n, by: chunk) {
            let rows = min(chunk, n - first), zc = z + first * m
            Self.features(zc, rows: rows, inputs: m, degree: degree, knots: knots, knotValues: knotValues, mean: mean, scale: scale, into: f)
            for w in 0..<rows { for k in 0..<M { f[w * M + k] -= featureMean[k] } }
            // G = (F − μ)·Θ  (Θ symmetric)
            precision.withUnsafeBufferPointer { t in
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(M), Int32(M),
                            1, f, Int32(M), t.baseAddress, Int32(M), 0, g, Int32(M))
            }
            for w in 0..<rows {
                for c in 0..<m {
                    let u = (zc[w * m + c] - mean[c]) / scale[c]
                    var correction = 0.0
                    for a in 0..<D { correction += blockRow[c * D + a] * g[w * M + a * m + c] }
                    out[(first + w) * m + c] = mean[c] + scale[c] * (u - correction)
                }
            }
        }
    }
}
