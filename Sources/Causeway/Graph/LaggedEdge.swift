/// One edge of a lagged causal graph: `source` at time t-`lag` drives `target` at time t.
/// Variables are column indices into the dataset's variable list; lag ≥ 1.
public struct LaggedEdge: Hashable, Codable, Comparable, Sendable {
    public let source: Int
    public let target: Int
    public let lag: Int

    public init(source: Int, target: Int, lag: Int) {
        self.source = source
        self.target = target
        self.lag = lag
    }

    /// The edge with its lag dropped (summary graph: source → target at any lag).
    public var summary: SummaryEdge { SummaryEdge(source: source, target: target) }

    public static func < (a: LaggedEdge, b: LaggedEdge) -> Bool {
        (a.target, a.source, a.lag) < (b.target, b.source, b.lag)
    }
}

/// An edge of the summary graph (max over lags).
public struct SummaryEdge: Hashable, Codable, Comparable, Sendable {
    public let source: Int
    public let target: Int
    public init(source: Int, target: Int) {
        self.source = source
        self.target = target
    }
    public static func < (a: SummaryEdge, b: SummaryEdge) -> Bool {
        (a.target, a.source) < (b.target, b.source)
    }
}
