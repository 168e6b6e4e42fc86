import Foundation

/// The Gaussian conditional-independence test: partial correlation ρ(x, y | S) from a covariance
/// or correlation matrix, and Fisher's z-test of H0: ρ = 0 (Fisher 1924; the `ParCorr` test of
/// tigramite, and the test ABCD runs on the attention SEM's covariance, see `AttentionSEM`).
public enum GaussianCITest {
    /// Relative residual-variance threshold below which a variable counts as determined by the
    /// ones before it (squared multiple correlation ≥ 1 − 1e-10): see `partialCorrelation`.
    public static let singularTolerance = 1e-10

    /// Largest |ρ| the Fisher z-transform is taken of (atanh(1) is infinite).
    public static let maxAbsCorrelation = 1 - 1e-12

    /// ρ(x, y | S): the correlation of the residuals of x and y after their linear regression on
    /// the variables in S, from a covariance or correlation matrix (the result does not depend on
    /// the scale of the variables).
    ///
    /// `matrix` is row-major [n, n], symmetric positive semi-definite; only entries among
    /// x, y and S are read. |S| = 0 and 1 use the closed forms
    /// ρ = C_xy / √(C_xx·C_yy) and ρ = (C_xy − C_xz·C_yz/C_zz) / √((C_xx − C_xz²/C_zz)(C_yy − C_yz²/C_zz));
    /// |S| ≥ 2 the Schur complement through the Cholesky factor Lc of C_SS:
    /// with u = Lc⁻¹·C_Sx, v = Lc⁻¹·C_Sy, ρ = (C_xy − u·v) / √((C_xx − u·u)(C_yy − v·v)).
    /// This is −P_xy / √(P_xx·P_yy), P = (C over (x, y, S))⁻¹, whenever that inverse exists, and
    /// stays defined (±1) when only x and y are collinear given S.
    ///
    /// NaN convention (never a trap): the result is NaN when C_xx or C_yy is not positive and
    /// finite, when C_SS is singular or near-singular (a Cholesky pivot ≤ `tolerance` times its
    /// diagonal entry: a conditioning variable determined by the others, e.g. a duplicated token),
    /// when x or y is determined by S (residual variance ≤ `tolerance`·C_xx, e.g. x ∈ S), or when
    /// any entry read is NaN. Otherwise the result is clamped to [−1, 1].
    /// - Precondition: `matrix.count == n * n`; x, y and every index of S lie in 0..<n; x ≠ y.
    public static func partialCorrelation(_ matrix: [Double], size n: Int, _ x: Int, _ y: Int, given s: [Int],
                                          tolerance: Double = singularTolerance) -> Double {
        precondition(matrix.count == n * n, "partialCorrelation: \(matrix.count) values for an [\(n), \(n)] matrix")
        precondition(x >= 0 && x < n && y >= 0 && y < n && x != y, "partialCorrelation: x \(x), y \(y) must be distinct indices in 0..<\(n)")
        precondition(s.allSatisfy { $0 >= 0 && $0 < n }, "partialCorrelation: conditioning index outside 0..<\(n)")
        let cxx = matrix[x * n + x], cyy = matrix[y * n + y], cxy = matrix[x * n + y]
        guard cxx > 0, cyy > 0, cxx.isFinite, cyy.isFinite else { return .nan }
        var vx = cxx, vy = cyy, cov = cxy
        switch s.count {
        case 0:
            break
        case 1:
            let z = s[0], czz = matrix[z * n + z], cxz = matrix[x * n + z], cyz = matrix[y * n + z]
            guard czz > 0, czz.isFinite else { return .nan }
            vx = cxx - cxz * cxz / czz
            vy = cyy - cyz * cyz / czz
            cov = cxy - cxz * cyz / czz
        default:
            let k = s.count
            // lower Cholesky factor of C_SS, row-major [k, k]
            var l = [Double](repeating: 0, count: k * k)
            for j in 0..<k {
                let sj = s[j], cjj = matrix[sj * n + sj]
                var d = cjj
                for q in 0..<j { d -= l[j * k + q] * l[j * k + q] }
                guard cjj.isFinite, d > tolerance * cjj else { return .nan }
                let djj = d.squareRoot()
                l[j * k + j] = djj
                for i in (j + 1)..<max(j + 1, k) {
                    var t = matrix[s[i] * n + sj]
                    for q in 0..<j { t -= l[i * k + q] * l[j * k + q] }
                    l[i * k + j] = t / djj
                }
            }
            // forward substitution: u = Lc⁻¹·C_Sx, v = Lc⁻¹·C_Sy
            var u = [Double](repeating: 0, count: k), v = u
            for i in 0..<k {
                var a = matrix[s[i] * n + x], b = matrix[s[i] * n + y]
                for q in 0..<i { a -= l[i * k + q] * u[q]; b -= l[i * k + q] * v[q] }
                u[i] = a / l[i * k + i]
                v[i] = b / l[i * k + i]
            }
            for i in 0..<k { vx -= u[i] * u[i]; vy -= v[i] * v[i]; cov -= u[i] * v[i] }
        }
        guard vx > tolerance * cxx, vy > tolerance * cyy, cov.isFinite else { return .nan }
        let rho = cov / (vx * vy).squareRoot()
        return rho.isNaN ? .nan : min(1, max(-1, rho))
    }

    /// Two-sided p-value of H0: ρ = 0 by Fisher's z-transform:
    /// z = atanh(|ρ|)·√(n − k − 3), p = 2·(1 − Φ(z)) = erfc(z / √2).
    ///
    /// `sampleSize` n is the (effective) number of independent samples behind ρ, `conditioningSize`
    /// k = |S|. |ρ| is clamped to `maxAbsCorrelation` (1 − 1e-12), so |ρ| = 1 gives a tiny but
    /// finite z. Conventions: n − k − 3 ≤ 0 (too few samples for the test) gives p = 1; ρ = 0
    /// gives 1; NaN ρ or n gives NaN.
    /// - Precondition: k ≥ 0.
    public static func fisherZPValue(_ rho: Double, sampleSize n: Double, conditioningSize k: Int) -> Double {
        precondition(k >= 0, "fisherZPValue: negative conditioning size \(k)")
        if rho.isNaN || n.isNaN { return .nan }
        let dof = n - Double(k) - 3
        guard dof > 0 else { return 1 }
        let r = min(Swift.abs(rho), maxAbsCorrelation)
        guard r > 0 else { return 1 }
        let z = atanh(r) * dof.squareRoot()
        return erfc(z / 2.0.squareRoot())
    }
}
