import CBLAS

/// The normal equations of the least-squares VAR of every target on all m = L·p inputs, summed
/// over the training windows of one group (all domains, or one domain): XᵀX [m, m] (lower
/// triangle), XᵀY [m, p], Σy² [p] and the window count. Inputs are indexed (lag−1)·p + source and
/// z-scored exactly as the model sees them; targets are the windows' last-step values. Shared by
/// the VAR start of the linear path (`AutoregressiveStart.vectorCoefficients`) and the Chow test
/// of the domains' dynamics (`DomainDynamics`).
struct VARNormalEquations {
    let inputs: Int, targets: Int
    var xtx: [Double], xty: [Double], yty: [Double], count = 0

    init(inputs m: Int, targets p: Int) {
        inputs = m; targets = p
        xtx = [Double](repeating: 0, count: m * m); xty = [Double](repeating: 0, count: m * p)
        yty = [Double](repeating: 0, count: p)
    }

    /// One group for all training windows, or one per domain (`perDomain`), in domain order.
    static func groups(windows: WindowSet, perDomain: Bool) -> [VARNormalEquations] {
        let L = windows.maxLag, p = windows.variables, m = L * p
        var groups = [VARNormalEquations](repeating: VARNormalEquations(inputs: m, targets: p),
                                          count: perDomain ? windows.sources.count : 1)
        let input = UnsafeMutablePointer<Float>.allocate(capacity: m)
        let target = UnsafeMutablePointer<Float>.allocate(capacity: m)
        defer { input.deallocate(); target.deallocate() }
        var x = [Double](repeating: 0, count: m)   // x[(lag−1)·p + j]: source j at that lag
        for w in windows.train {
            windows.fill(w, input: input, target: target)
            let g = perDomain ? Int(w.domain) : 0
            for l in 0..<L { for j in 0..<p { x[l * p + j] = Double(input[(L - 1 - l) * p + j]) } }
            groups[g].count += 1
            groups[g].xtx.withUnsafeMutableBufferPointer { a in
                cblas_dsyr(CblasRowMajor, CblasLower, Int32(m), 1, x, 1, a.baseAddress, Int32(m))
            }
            for i in 0..<p {
                let y = Double(target[(L - 1) * p + i])
                groups[g].yty[i] += y * y
            }
            for r in 0..<m where x[r] != 0 {
                let xr = x[r], row = r * p
                for i in 0..<p { groups[g].xty[row + i] += xr * Double(target[(L - 1) * p + i]) }
            }
        }
        return groups
    }

    /// The groups' sums added: the pooled equations.
    static func pooled(_ groups: [VARNormalEquations]) -> VARNormalEquations {
        var total = VARNormalEquations(inputs: groups[0].inputs, targets: groups[0].targets)
        for g in groups {
            for k in total.xtx.indices { total.xtx[k] += g.xtx[k] }
            for k in total.xty.indices { total.xty[k] += g.xty[k] }
            for k in total.yty.indices { total.yty[k] += g.yty[k] }
            total.count += g.count
        }
        return total
    }

    /// XᵀX with both triangles filled.
    var gram: [Double] {
        let m = inputs
        var a = xtx
        for r in 0..<m { for c in (r + 1)..<max(r + 1, m) { a[r * m + c] = a[c * m + r] } }
        return a
    }

    /// B = (XᵀX + ridge·I)⁻¹ XᵀY [m, p], or nil when the system cannot be solved.
    func solve(ridge: Double) -> [Double]? {
        var a = gram
        for r in 0..<inputs { a[r * inputs + r] += ridge }
        return try? SymmetricPositiveDefinite.solve(a, xty, n: inputs, columns: targets)
    }

    /// Σ over targets of the residual sum of squares of the fit `solve(ridge:)`:
    /// yᵀy − 2·bᵀXᵀy + bᵀXᵀX·b per target; nil when the system cannot be solved.
    func residualSumOfSquares(ridge: Double) -> Double? {
        guard let b = solve(ridge: ridge) else { return nil }
        let m = inputs, p = targets
        var ab = [Double](repeating: 0, count: m * p)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(p), Int32(m), 1, gram, Int32(m), b, Int32(p), 0, &ab, Int32(p))
        var total = 0.0
        for i in 0..<p {
            var bc = 0.0, bab = 0.0
            for k in 0..<m { bc += b[k * p + i] * xty[k * p + i]; bab += b[k * p + i] * ab[k * p + i] }
            total += yty[i] - 2 * bc + bab
        }
        return total
    }
}
