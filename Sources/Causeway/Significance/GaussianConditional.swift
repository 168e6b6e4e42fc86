import CBLAS

/// A linear-Gaussian model of each input of a window given all the others, used to draw a
/// replacement for one input that keeps its dependence on the rest ("conditional resampling";
/// Watson & Wright 2021, *Testing conditional independence in supervised learning algorithms*,
/// Machine Learning 110:2107–2129, §3; the Gaussian model-X knockoff sampler of Candès et al.
/// 2018 uses the same conditional).
///
/// With z the m = L·p inputs of a window (index r·p + j: source j at lag L − r), mean μ and
/// covariance Σ, and Θ = Σ⁻¹ (the precision matrix), the regression of z_c on the others is
/// E[z_c | z_−c] = μ_c − Σ_{k≠c} (Θ_ck / Θ_cc)(z_k − μ_k) and the residual variance is 1/Θ_cc.
/// Σ gets a ridge of `ridge`·mean(diag Σ) on its diagonal so that collinear inputs (e.g. a
/// random walk at neighbouring lags) still give a finite Θ.
public struct GaussianConditional: Sendable {
    /// m = L·p inputs per window.
    public let inputs: Int
    /// [m] input means.
    public let mean: [Double]
    /// [m, m] row-major regression coefficients: row c holds the weights of the other inputs in
    /// the conditional mean of input c (zero diagonal).
    public let coefficients: [Double]
    /// Windows the model was fitted on (n).
    public let fittedRows: Int

    /// Fits μ and Σ on `rows` windows of `inputs` values each (row-major [rows, m]).
    /// - Throws: `CausewayError` when fewer than 2 rows are given or Σ + ridge is not positive
    ///   definite (a constant input).
    public init(windows z: UnsafePointer<Double>, rows n: Int, inputs m: Int, ridge: Double = 1e-4) throws {
        guard n >= 2 else { throw CausewayError("conditional model: needs at least 2 windows, got \(n)") }
        inputs = m
        var mu = [Double](repeating: 0, count: m)
        for w in 0..<n { for c in 0..<m { mu[c] += z[w * m + c] } }
        for c in 0..<m { mu[c] /= Double(n) }
        mean = mu
        // Σ = (Z − μ)ᵀ(Z − μ) / (n − 1)
        let centred = UnsafeMutablePointer<Double>.allocate(capacity: n * m)
        defer { centred.deallocate() }
        for w in 0..<n { for c in 0..<m { centred[w * m + c] = z[w * m + c] - mu[c] } }
        var sigma = [Double](repeating: 0, count: m * m)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(m), Int32(n),
                    1 / Double(n - 1), centred, Int32(m), centred, Int32(m), 0, &sigma, Int32(m))
        let theta = try SymmetricPositiveDefinite.inverse(sigma, n: m, relativeRidge: ridge)
        var b = [Double](repeating: 0, count: m * m)
        for c in 0..<m {
            let tcc = theta[c * m + c]
            for k in 0..<m where k != c { b[c * m + k] = -theta[c * m + k] / tcc }
        }
        coefficients = b
        fittedRows = n
    }

    /// The factor s by which the null draw scales a permuted in-sample residual, so that a
    /// replacement x̃ = E[z_c | z_−c] + s·e_π differs from the value it replaces as much as two
    /// independent draws from the conditional law do: E[(x̃ − x)²] = 2σ².
    ///
    /// Why: the least-squares fit of z_c on its k = m − 1 companions (and an intercept) over n
    /// windows that include the tested ones leaves in-sample residuals with E[e²] = σ²(n − k − 1)/n,
    /// and pulls the fitted mean towards the window's own value. Unscaled, x̃ − x = e_π − e_w has
    /// E[(x̃ − x)²] = 2σ²(n − k − 1)/n: with n/m small the draws stay too close to the data and
    /// the tests lose their power (NetSim fMRI sim4: 50 variables, 2 lags, 198 windows, so the
    /// draws moved half as far as they should). Scaled, (s² + 1)·σ²(n − k − 1)/n = 2σ² gives
    /// s² = 2n/(n − k − 1) − 1, which tends to 1 as n/m grows. It is capped at 9, the value for
    /// n = 1.25·(k + 1) and the one used below it (n ≤ k + 1 leaves no residual degrees of
    /// freedom; the residuals are then near 0 whatever the factor). Measured in
    /// docs/accuracy.md (2026-12-07, stop 22).
    public var residualScale: Double { Self.residualScale(rows: fittedRows, regressors: inputs - 1) }

    /// s for a least-squares fit of k `regressors` and an intercept on n `rows` (see
    /// `residualScale`); shared with `PolynomialConditional`, whose k counts its features.
    static func residualScale(rows: Int, regressors k: Int) -> Double {
        let n = Double(rows), dof = n - Double(k) - 1
        guard dof > 0 else { return 3 }
        return min(9, max(1, 2 * n / dof - 1)).squareRoot()
    }

    /// out[w, c] = E[z_c | z_−c] for `rows` windows z (row-major [rows, m]).
    public func conditionalMeans(_ z: UnsafePointer<Double>, rows n: Int, into out: UnsafeMutablePointer<Double>) {
        let m = inputs
        let centred = UnsafeMutablePointer<Double>.allocate(capacity: n * m)
        defer { centred.deallocate() }
        for w in 0..<n {
            for c in 0..<m { centred[w * m + c] = z[w * m + c] - mean[c]; out[w * m + c] = mean[c] }
        }
        // out += centred · Bᵀ
        coefficients.withUnsafeBufferPointer { b in
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(m), Int32(m),
                        1, centred, Int32(m), b.baseAddress, Int32(m), 1, out, Int32(m))
        }
    }
}

/// Inverse of a symmetric positive-definite matrix through its Cholesky factor.
public enum SymmetricPositiveDefinite {
    /// The lower Cholesky factor Lc of `a` (row-major [n, n]): a = Lc·Lcᵀ. Upper part zero.
    /// - Throws: `CausewayError` when `a` is not positive definite.
    public static func cholesky(_ a: [Double], n: Int) throws -> [Double] {
        precondition(a.count == n * n)
        var l = [Double](repeating: 0, count: n * n)
        try l.withUnsafeMutableBufferPointer { lb in
            let L = lb.baseAddress!
            for j in 0..<n {
                var d = a[j * n + j]
                let rj = L + j * n
                for k in 0..<j { d -= rj[k] * rj[k] }
                guard d > 0, d.isFinite else {
                    throw CausewayError("conditional model: covariance is not positive definite at input \(j) (a constant or duplicated input)")
                }
                let djj = d.squareRoot()
                rj[j] = djj
                for i in (j + 1)..<max(j + 1, n) {
                    let ri = L + i * n
                    var s = a[i * n + j]
                    for k in 0..<j { s -= ri[k] * rj[k] }
                    ri[j] = s / djj
                }
            }
        }
        return l
    }

    /// x = a⁻¹·b (`b`: [n]) by the Cholesky factor and two triangular solves.
    /// - Throws: `CausewayError` when `a` is not positive definite.
    public static func solve(_ a: [Double], _ b: [Double], n: Int) throws -> [Double] {
        let l = try cholesky(a, n: n)
        var x = b
        l.withUnsafeBufferPointer { lb in   // Lc·y = b, then Lcᵀ·x = y
            cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(n), lb.baseAddress, Int32(n), &x, 1)
            cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, Int32(n), lb.baseAddress, Int32(n), &x, 1)
        }
        return x
    }

    /// X = a⁻¹·B for `columns` right-hand sides (`b`: row-major [n, columns]), by the Cholesky
    /// factor and two triangular solves. - Throws: when `a` is not positive definite.
    public static func solve(_ a: [Double], _ b: [Double], n: Int, columns k: Int) throws -> [Double] {
        precondition(b.count == n * k)
        let l = try cholesky(a, n: n)
        var x = b
        l.withUnsafeBufferPointer { lb in   // Lc·Y = B, then Lcᵀ·X = Y
            cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, Int32(n), Int32(k),
                        1, lb.baseAddress, Int32(n), &x, Int32(k))
            cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, Int32(n), Int32(k),
                        1, lb.baseAddress, Int32(n), &x, Int32(k))
        }
        return x
    }

    /// (a + r·mean(diag a)·I)⁻¹ with r = `relativeRidge`: the inverse of a covariance whose
    /// diagonal gets a ridge in proportion to its own scale (collinear inputs stay invertible).
    /// - Throws: `CausewayError` when it is not positive definite.
    public static func inverse(_ a: [Double], n: Int, relativeRidge r: Double) throws -> [Double] {
        var a = a
        var diagMean = 0.0
        for k in 0..<n { diagMean += a[k * n + k] }
        diagMean /= Double(n)
        for k in 0..<n { a[k * n + k] += r * max(diagMean, 1e-12) }
        return try inverse(a, n: n)
    }

    /// a⁻¹ (row-major [n, n]) = Lc⁻ᵀ·Lc⁻¹ from the Cholesky factor.
    /// - Throws: `CausewayError` when `a` is not positive definite.
    public static func inverse(_ a: [Double], n: Int) throws -> [Double] {
        let l = try cholesky(a, n: n)
        // X = Lc⁻¹: solve Lc·X = I
        var x = [Double](repeating: 0, count: n * n)
        for i in 0..<n { x[i * n + i] = 1 }
        l.withUnsafeBufferPointer { lb in
            cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, Int32(n), Int32(n),
                        1, lb.baseAddress, Int32(n), &x, Int32(n))
        }
        var inv = [Double](repeating: 0, count: n * n)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n),
                    1, x, Int32(n), x, Int32(n), 0, &inv, Int32(n))
        return inv
    }
}
