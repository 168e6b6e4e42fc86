/// Per-domain z-scoring in float64, z = (x − mean) · invStd, with statistics from the training
/// rows only (the first `trainRows` rows), so validation rows never leak into training.
/// Missing cells (NaN) are left out of the statistics.
public struct Standardizer: Codable, Equatable, Sendable {
    public let mean: [Double]      // [p]
    public let invStd: [Double]    // [p]  1/std (population std, divisor = observed training cells)

    public init(mean: [Double], invStd: [Double]) {
        self.mean = mean
        self.invStd = invStd
    }

    /// A column is near-constant when its standard deviation is at most this fraction of its
    /// magnitude (max |x|): below it, z-scores amplify rounding noise, not signal. A column of
    /// 1e12 with a spread of 1e3 (ratio 1e-9) is kept; 0.087 with one cell at 0.0870000001
    /// (ratio 3e-11) is not.
    public static let nearConstantRatio = 1e-10

    /// Mean, population standard deviation and max |x| of column j over rows 0..<trainRows,
    /// skipping NaN; nil when fewer than 2 cells are observed. Two passes in float64.
    public static func moments(_ s: Series, column j: Int, rows trainRows: Int) -> (mean: Double, std: Double, magnitude: Double)? {
        var sum = 0.0, n = 0, magnitude = 0.0
        for t in 0..<trainRows { let x = s.value(t, j); if !x.isNaN { sum += x; n += 1; magnitude = max(magnitude, abs(x)) } }
        guard n >= 2 else { return nil }
        let m = sum / Double(n)
        var ss = 0.0
        for t in 0..<trainRows { let x = s.value(t, j); if !x.isNaN { ss += (x - m) * (x - m) } }
        return (m, (ss / Double(n)).squareRoot(), magnitude)
    }

    /// True when (std, magnitude) describe a constant or near-constant column.
    public static func isNearConstant(std: Double, magnitude: Double) -> Bool {
        std == 0 || std <= nearConstantRatio * magnitude
    }

    /// Fits on rows 0..<trainRows of `domain`. Throws, naming the file and every such column,
    /// when a column is constant or near-constant or has fewer than 2 observed training cells
    /// (`Dataset.check` reports these earlier, for all domains at once).
    public static func fit(_ domain: DomainData, variables: [String], trainRows: Int) throws -> Standardizer {
        let s = domain.series
        guard variables.count == s.columns else {
            throw CausewayError("\(domain.path): \(s.columns) columns but \(variables.count) variable names")
        }
        guard trainRows >= 2, trainRows <= s.rows else {
            throw CausewayError("\(domain.path): cannot standardize on \(trainRows) training rows (the series has \(s.rows) rows; need at least 2)")
        }
        var mean = [Double](repeating: 0, count: s.columns)
        var invStd = [Double](repeating: 0, count: s.columns)
        var bad: [String] = []
        for j in 0..<s.columns {
            guard let m = moments(s, column: j, rows: trainRows), !isNearConstant(std: m.std, magnitude: m.magnitude) else {
                bad.append("'\(variables[j])'")
                continue
            }
            mean[j] = m.mean
            invStd[j] = 1 / m.std
        }
        if !bad.isEmpty {
            throw CausewayError("\(domain.path): column\(bad.count == 1 ? "" : "s") \(bad.joined(separator: ", ")) "
                + "\(bad.count == 1 ? "is" : "are") constant over the \(trainRows) training rows; remove \(bad.count == 1 ? "it" : "them")")
        }
        return Standardizer(mean: mean, invStd: invStd)
    }

    /// z-score of `x` in column j.
    @inline(__always)
    public func apply(_ x: Double, column j: Int) -> Double { (x - mean[j]) * invStd[j] }
}
