/// Multiple-testing corrections over a family of p-values: q-values that control the false
/// discovery rate (FDR).
///
/// - Benjamini & Hochberg (1995), "Controlling the false discovery rate", JRSS B 57:289–300:
///   valid for independent or positively dependent (PRDS) tests.
/// - Benjamini & Yekutieli (2001), "The control of the false discovery rate in multiple testing
///   under dependency", Ann. Stat. 29:1165–1188: valid under any dependence, at the price of a
///   factor c(m) = Σ_{k=1..m} 1/k (≈ ln m + 0.58) in the q-values.
///
/// The q-value of a test is the smallest FDR level at which the step-up procedure rejects it:
/// q_(k) = min_{j ≥ k} min(1, c·m·p_(j) / j) over the sorted p-values, so "q ≤ Q" is exactly the
/// step-up rejection set at level Q. This is the adjusted p-value of R's `p.adjust("BH")` /
/// `p.adjust("BY")` and of statsmodels' `fdrcorrection`.
public enum FDRMethod: String, CaseIterable, Sendable {
    /// Benjamini–Hochberg.
    case bh
    /// Benjamini–Yekutieli.
    case by

    /// The method's full name, for outputs.
    public var name: String { self == .bh ? "Benjamini-Hochberg" : "Benjamini-Yekutieli" }
}

public enum MultipleTesting {
    /// q-values of `pValues` (same order). NaN p-values get NaN q-values and do not count in m.
    /// - Precondition: every non-NaN p-value lies in [0, 1].
    public static func qValues(_ pValues: [Double], method: FDRMethod = .bh) -> [Double] {
        let valid = pValues.indices.filter { !pValues[$0].isNaN }
        var q = [Double](repeating: .nan, count: pValues.count)
        let m = valid.count
        guard m > 0 else { return q }
        for i in valid { precondition(pValues[i] >= 0 && pValues[i] <= 1, "p-value \(pValues[i]) outside [0, 1]") }
        let c = method == .bh ? 1.0 : (1...m).reduce(0.0) { $0 + 1 / Double($1) }
        // ascending p, ties in index order (the result does not depend on how ties are broken)
        let order = valid.sorted { pValues[$0] != pValues[$1] ? pValues[$0] < pValues[$1] : $0 < $1 }
        var running = 1.0
        for k in stride(from: m - 1, through: 0, by: -1) {
            let i = order[k]
            running = min(running, c * Double(m) * pValues[i] / Double(k + 1))
            q[i] = min(1, running)
        }
        return q
    }
}
