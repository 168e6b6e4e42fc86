import CBLAS

/// The normal equations of the least-squares VAR of every target on all m = L·p inputs, summed
/// over the training windows of one group (all domains, or one domain): XᵀX [m, m] (lower
/// triangle), XᵀY [m, p], Σy² [p] and the window count. Inputs are indexed (lag−1)·p + source and
/// z-scored exactly as the model sees them; targets are the windows' last-step values. Shared by
/// the VAR and lasso starts of the linear path (`AutoregressiveStart.vectorCoefficients`,
/// `LassoVAR`, per cross-validation fold) and the Chow test of the domains' dynamics (`DomainDynamics`).
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
        accumulate(windows: windows, refs: windows.train, groups: perDomain ? windows.sources.count : 1) { w, _ in
            perDomain ? Int(w.domain) : 0
        }
    }

    /// The equations of `refs` split into `groups` groups: `group(ref, position in refs)` names
    /// the group of each window (0 ..< groups). Windows are taken in blocks of up to 64
    /// consecutive refs of one group, XᵀX += XbᵀXb by `dsyrk` and XᵀY += XbᵀYb by `dgemm`, so the
    /// cost is that of two level-3 products (n·m² at p = 200, L = 3 and 750 windows: 0.3 GFLOP).
    static func accumulate(windows: WindowSet, refs: [WindowRef], groups count: Int,
                           group: (WindowRef, Int) -> Int) -> [VARNormalEquations] {
        let L = windows.maxLag, p = windows.variables, m = L * p, block = 64
        var groups = [VARNormalEquations](repeating: VARNormalEquations(inputs: m, targets: p), count: count)
        let input = UnsafeMutablePointer<Float>.allocate(capacity: m)
        let target = UnsafeMutablePointer<Float>.allocate(capacity: m)
        let xb = UnsafeMutablePointer<Double>.allocate(capacity: block * m)   // [rows, m]: x[(lag−1)·p + j]
        let yb = UnsafeMutablePointer<Double>.allocate(capacity: block * p)   // [rows, p]: last-step targets
        defer { input.deallocate(); target.deallocate(); xb.deallocate(); yb.deallocate() }
        var rows = 0, current = 0
        func flush() {
            guard rows > 0 else { return }
            groups[current].xtx.withUnsafeMutableBufferPointer { a in
                cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(m), Int32(rows), 1, xb, Int32(m), 1, a.baseAddress, Int32(m))
            }
            groups[current].xty.withUnsafeMutableBufferPointer { a in
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(p), Int32(rows), 1, xb, Int32(m),
                            yb, Int32(p), 1, a.baseAddress, Int32(p))
            }
            for r in 0..<rows { for i in 0..<p { groups[current].yty[i] += yb[r * p + i] * yb[r * p + i] } }
            groups[current].count += rows
            rows = 0
        }
        for (k, w) in refs.enumerated() {
            let g = group(w, k)
            precondition(g >= 0 && g < count, "group index out of range")
            if g != current || rows == block { flush(); current = g }
            windows.fill(w, input: input, target: target)
            for l in 0..<L { for j in 0..<p { xb[rows * m + l * p + j] = Double(input[(L - 1 - l) * p + j]) } }
            for i in 0..<p { yb[rows * p + i] = Double(target[(L - 1) * p + i]) }
            rows += 1
        }
        flush()
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
