/// Lagged causal scores S[ℓ, j, i]: how strongly source j at time t-ℓ drives target i at time t,
/// for lags ℓ = 1...maxLag. Higher means more evidence for an edge.
///
/// Layout (the same as scores.npy, shape [maxLag, p, p] in C order):
/// `values[(lag-1)*p*p + source*p + target]`.
public struct ScoreTensor: Equatable, Sendable {
    public let maxLag: Int, variables: Int
    public var values: [Float]

    /// - Precondition: `maxLag ≥ 1`, `variables ≥ 1`, `values.count == maxLag * variables * variables`.
    public init(maxLag: Int, variables: Int, values: [Float]) {
        precondition(maxLag >= 1 && variables >= 1, "ScoreTensor needs maxLag ≥ 1 and variables ≥ 1")
        precondition(values.count == maxLag * variables * variables,
                     "ScoreTensor: \(values.count) values for shape [\(maxLag), \(variables), \(variables)]")
        self.maxLag = maxLag
        self.variables = variables
        self.values = values
    }

    /// A tensor of zeros.
    public init(maxLag: Int, variables: Int) {
        self.init(maxLag: maxLag, variables: variables,
                  values: [Float](repeating: 0, count: maxLag * variables * variables))
    }

    @inline(__always)
    func index(lag: Int, source: Int, target: Int) -> Int {
        precondition(lag >= 1 && lag <= maxLag, "lag \(lag) outside 1...\(maxLag)")
        precondition(source >= 0 && source < variables && target >= 0 && target < variables,
                     "variable index outside 0..<\(variables)")
        return (lag - 1) * variables * variables + source * variables + target
    }

    /// The candidate at flat index `k` of `values` (the inverse of the layout above).
    public func edge(at k: Int) -> LaggedEdge {
        let pp = variables * variables
        return LaggedEdge(source: (k % pp) / variables, target: k % variables, lag: k / pp + 1)
    }

    /// Score of source → target at `lag` (1-based).
    public subscript(lag: Int, source: Int, target: Int) -> Float {
        get { values[index(lag: lag, source: source, target: target)] }
        set { values[index(lag: lag, source: source, target: target)] = newValue }
    }

    /// Summary scores: max over lags, as a row-major [p, p] matrix indexed `source * p + target`.
    /// NaN scores are ignored unless every lag is NaN (then the entry is NaN).
    public func summary() -> [Float] {
        let pp = variables * variables
        var out = [Float](repeating: .nan, count: pp)
        for lag in 0..<maxLag {
            let base = lag * pp
            for k in 0..<pp {
                let v = values[base + k]
                if out[k].isNaN || v > out[k] { out[k] = v }
            }
        }
        return out
    }
}
