/// Per-domain z-scoring, z = (x - mean) * invStd, with statistics from the training rows
/// only (the first `trainRows` rows), so validation rows never leak into training.
public struct Standardizer: Codable, Equatable, Sendable {
    public let mean: [Float]      // [p]
    public let invStd: [Float]    // [p]  1/std (population std, divisor trainRows)

    public init(mean: [Float], invStd: [Float]) {
        self.mean = mean
        self.invStd = invStd
    }

    /// Fits on rows 0..<trainRows of `domain`. A constant column (std == 0, or std below
    /// 1e-12 relative to |mean|) is an error naming the file and the column.
    public static func fit(_ domain: DomainData, variables: [String], trainRows: Int) throws -> Standardizer {
        let s = domain.series
        guard variables.count == s.columns else {
            throw CausewayError("\(domain.path): \(s.columns) columns but \(variables.count) variable names")
        }
        guard trainRows >= 2, trainRows <= s.rows else {
            throw CausewayError("\(domain.path): cannot standardize on \(trainRows) training rows (the series has \(s.rows) rows; need at least 2)")
        }
        var mean = [Float](repeating: 0, count: s.columns)
        var invStd = [Float](repeating: 0, count: s.columns)
        let n = Double(trainRows)
        for j in 0..<s.columns {
            // Two passes in Double: exact enough for long series and large offsets.
            var sum = 0.0
            for t in 0..<trainRows { sum += Double(s.value(t, j)) }
            let m = sum / n
            var ss = 0.0
            for t in 0..<trainRows { let d = Double(s.value(t, j)) - m; ss += d * d }
            let std = (ss / n).squareRoot()
            if std == 0 || std < 1e-12 * abs(m) {
                throw CausewayError("\(domain.path): column '\(variables[j])' is constant over the \(trainRows) training rows (value \(m)); remove it")
            }
            mean[j] = Float(m)
            invStd[j] = Float(1 / std)
        }
        return Standardizer(mean: mean, invStd: invStd)
    }

    /// z-score of `x` in column j.
    @inline(__always)
    public func apply(_ x: Float, column j: Int) -> Float { (x - mean[j]) * invStd[j] }
}
