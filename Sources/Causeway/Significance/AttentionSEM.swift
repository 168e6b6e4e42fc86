import CBLAS

/// The attention matrix read as a linear structural equation model (SEM) over tokens — the
/// readout of ABCD (Rohekar, Gurwicz & Nisimov 2023, "Causal Interpretation of Self-Attention in
/// Pre-Trained Transformers", NeurIPS 2023, arXiv 2310.20307; reference code
/// IntelLabs/causality-lab).
///
/// One attention layer maps values V [n, d] to outputs Z = A·V with A [n, n] row-stochastic.
/// With the n value vectors independent and of unit variance (per feature), Cov(Z) = A·Aᵀ: token
/// k's output is a linear function of the independent "exogenous" values, and the pattern of
/// A·Aᵀ encodes which outputs are conditionally independent of which. The correlations of this
/// covariance feed the partial correlations and Fisher-z tests of `GaussianCITest` and the
/// constraint-based search of `LaggedPCSearch`.
///
/// Matrices are flat `[Double]`, row-major, [n, n]; n is the number of tokens.
public enum AttentionSEM {
    /// C = A·Aᵀ, row-major [n, n], exactly symmetric.
    ///
    /// `attention` is row-major [n, n] (row = query token, column = key token). Rows are meant to
    /// be probability vectors (softmax outputs, masked entries 0), but this is not checked: the
    /// algebra needs no normalisation. Non-finite entries propagate to C.
    /// - Precondition: `attention.count == n * n`, n ≥ 1.
    public static func covariance(attention: [Double], tokens n: Int) -> [Double] {
        precondition(n >= 1 && attention.count == n * n, "covariance: \(attention.count) values for an [\(n), \(n)] attention matrix")
        var c = [Double](repeating: 0, count: n * n)
        addProduct(attention, n: n, into: &c)
        mirrorLower(&c, n: n)
        return c
    }

    /// The covariance of the *forecast SEM* of one attention matrix of a forecaster with variable
    /// tokens, [(W + 1)·p, (W + 1)·p] row-major over the nodes "variable j at window step u",
    /// u = 0…W, node u·p + j (step W is the forecast time t, which has no token).
    ///
    /// `attention` is row-major [W·p, W·p] (time-major tokens s·p + i, block-causal: query (i, s)
    /// sees keys at steps ≤ s). In a next-step forecaster the output of query (i, s) is the
    /// forecast of variable i at step s + 1, so its attention row is read as that node's structural
    /// equation: x_(i,s+1) = Σ_k A[(i,s), k]·x_k + ε_(i,s+1), every ε independent with unit variance
    /// and the step-0 nodes exogenous. With B the [N, N] coefficients (row (i, s+1) = row (i, s)
    /// of A; strictly lower triangular), C = (I − B)⁻¹·(I − B)⁻ᵀ = M·Mᵀ: ABCD's C = A·Aᵀ with its
    /// total-effect matrix A = M = (I − B)⁻¹ (Rohekar et al. 2023, arXiv 2310.20307, §3: the
    /// attention layer as a linear SEM). Reading A·Aᵀ of the raw attention instead would treat the
    /// output of query (i, s), a forecast of step s + 1, as the node of step s.
    ///
    /// Every entry of C lies in [0, (W + 1)²] when the rows of A are probability vectors
    /// (‖M‖∞ ≤ W + 1, B being nilpotent of order W + 1 with ‖B‖∞ ≤ 1).
    /// - Precondition: `attention.count == (W·p)²`, p ≥ 1, W ≥ 1.
    public static func forecastCovariance(attention: [Double], variables p: Int, steps w: Int) -> [Double] {
        let t = w * p, n = (w + 1) * p
        precondition(p >= 1 && w >= 1 && attention.count == t * t, "forecastCovariance: \(attention.count) values for \(w) steps of \(p) variables")
        // lower = I − B below the diagonal (the unit diagonal is implied), m = I, then m ← (I − B)⁻¹
        var lower = [Double](repeating: 0, count: n * n), m = [Double](repeating: 0, count: n * n)
        for q in 0..<t {
            let row = q + p, visible = (q / p + 1) * p      // node (i, s + 1); keys at steps ≤ s
            for k in 0..<visible { lower[row * n + k] = -attention[q * t + k] }
        }
        for k in 0..<n { m[k * n + k] = 1 }
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasUnit, Int32(n), Int32(n), 1, lower, Int32(n), &m, Int32(n))
        var c = [Double](repeating: 0, count: n * n)
        addProduct(m, n: n, into: &c)
        mirrorLower(&c, n: n)
        return c
    }

    /// R = D^{-1/2}·C·D^{-1/2} with D = diag(C): R_ij = C_ij / √(C_ii·C_jj), row-major [n, n],
    /// unit diagonal.
    ///
    /// NaN convention: a token whose variance C_kk is not positive and finite (a zero row of A, or
    /// a non-finite entry) has no correlation with anything: row k and column k of R are NaN,
    /// R_kk included. Off-diagonal entries are not clamped to [−1, 1]; rounding may leave them a
    /// few ulp outside (the Fisher-z test clamps).
    /// - Precondition: `covariance.count == n * n`.
    public static func correlation(fromCovariance covariance: [Double], tokens n: Int) -> [Double] {
        precondition(covariance.count == n * n, "correlation: \(covariance.count) values for an [\(n), \(n)] covariance")
        let scale = (0..<n).map { k -> Double in
            let v = covariance[k * n + k]
            return v > 0 && v.isFinite ? 1 / v.squareRoot() : .nan
        }
        var r = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n { r[i * n + j] = i == j ? (scale[i].isNaN ? .nan : 1) : covariance[i * n + j] * scale[i] * scale[j] }
        }
        return r
    }

    /// Lower triangle of `c` += A·Aᵀ (cblas_dsyrk; the upper triangle is left untouched).
    fileprivate static func addProduct(_ a: [Double], n: Int, into c: inout [Double]) {
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, Int32(n), Int32(n), 1, a, Int32(n), 1, &c, Int32(n))
    }

    /// Copies the lower triangle onto the upper one.
    fileprivate static func mirrorLower(_ c: inout [Double], n: Int) {
        for i in 0..<n { for j in 0..<i { c[j * n + i] = c[i * n + j] } }
    }
}

/// The average of C = A·Aᵀ over samples (windows, heads, …): Σ_s A_s·A_sᵀ / count.
///
/// The running sum is one flat buffer (`sum`, lower triangle only, row-major [n, n]) and a count,
/// so data-parallel ranks can each accumulate their samples and all-reduce `sum` and `count`
/// before calling `mean()` (or `merge` them in one process).
public struct CovarianceAccumulator: Sendable, Equatable {
    /// n, the number of tokens.
    public let tokens: Int
    /// Σ_s A_s·A_sᵀ: its lower triangle (row-major [n, n]); the strict upper triangle stays 0.
    public var sum: [Double]
    /// Number of matrices added.
    public var count: Int

    /// An empty accumulator for [n, n] attention matrices.
    public init(tokens n: Int) {
        precondition(n >= 1, "CovarianceAccumulator needs at least one token")
        tokens = n
        sum = [Double](repeating: 0, count: n * n)
        count = 0
    }

    /// Adds A·Aᵀ of one row-major [n, n] attention matrix.
    /// - Precondition: `attention.count == n * n`.
    public mutating func add(attention: [Double]) {
        precondition(attention.count == tokens * tokens,
                     "CovarianceAccumulator: \(attention.count) values for an [\(tokens), \(tokens)] attention matrix")
        AttentionSEM.addProduct(attention, n: tokens, into: &sum)
        count += 1
    }

    /// Adds another accumulator's sum and count (same n).
    public mutating func merge(_ other: CovarianceAccumulator) {
        precondition(other.tokens == tokens, "CovarianceAccumulator: merging \(other.tokens) tokens into \(tokens)")
        for k in sum.indices { sum[k] += other.sum[k] }
        count += other.count
    }

    /// The mean covariance Σ_s A_s·A_sᵀ / count, row-major [n, n], exactly symmetric.
    /// - Throws: `CausewayError` when no matrix was added.
    public func mean() throws -> [Double] {
        guard count > 0 else { throw CausewayError("attention covariance: no attention matrix was accumulated") }
        var c = sum
        let scale = 1 / Double(count)
        for k in c.indices { c[k] *= scale }
        AttentionSEM.mirrorLower(&c, n: tokens)
        return c
    }
}
