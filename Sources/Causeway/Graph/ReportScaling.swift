/// What report.html shows when p is large, so the page stays small (under 5 MB at any p) while
/// the full tensors stay in the .npy files.
///
/// - Above `fullHeatmapVariables` variables, the heatmap is downsampled: consecutive variables
///   are grouped into at most `heatmapBins` bins, and each cell shows the largest score of its
///   block of (source, target) pairs, per lag; a block is outlined when it holds a predicted edge.
/// - Above `fullGraphVariables` variables, the summary graph on a circle is replaced by a table
///   of in- and out-degrees (the most connected variables first).
/// - The edge table lists at most `edgeTableRows` edges (the strongest evidence first).
enum ReportScaling {
    static let fullHeatmapVariables = 60
    static let heatmapBins = 50
    static let fullGraphVariables = 60
    static let edgeTableRows = 500

    /// The bins of `p` variables: `count` contiguous index ranges of (nearly) equal size.
    static func bins(_ p: Int, count: Int) -> [Range<Int>] {
        (0..<count).map { b in (b * p / count)..<((b + 1) * p / count) }
    }

    /// The downsampled heatmap's inputs: bin scores (max over each block, NaN ignored unless the
    /// whole block is NaN), bin names ("x0 … x9"), and edges and truth mapped to their bins.
    static func downsample(scores s: ScoreTensor, variables: [String], edges: Set<LaggedEdge>, truth: Set<LaggedEdge>?)
        -> (scores: ScoreTensor, names: [String], edges: Set<LaggedEdge>, truth: Set<LaggedEdge>?) {
        let p = s.variables, B = min(heatmapBins, p)
        let ranges = bins(p, count: B)
        var binOf = [Int](repeating: 0, count: p)
        for (b, r) in ranges.enumerated() { for j in r { binOf[j] = b } }
        var out = ScoreTensor(maxLag: s.maxLag, variables: B, values: [Float](repeating: .nan, count: s.maxLag * B * B))
        for lag in 1...s.maxLag {
            for source in 0..<p {
                for target in 0..<p {
                    let v = s[lag, source, target]
                    if v.isNaN { continue }
                    let (bs, bt) = (binOf[source], binOf[target])
                    let cur = out[lag, bs, bt]
                    if cur.isNaN || v > cur { out[lag, bs, bt] = v }
                }
            }
        }
        let names = ranges.map { r in r.count == 1 ? variables[r.lowerBound] : "\(variables[r.lowerBound]) … \(variables[r.upperBound - 1])" }
        func map(_ e: LaggedEdge) -> LaggedEdge { LaggedEdge(source: binOf[e.source], target: binOf[e.target], lag: e.lag) }
        return (out, names, Set(edges.map(map)), truth.map { Set($0.filter { $0.lag <= s.maxLag }.map(map)) })
    }

    /// In- and out-degree of every variable in `edges` (distinct summary edges, self-loops
    /// counted once in each), as a table of the `rows` most connected variables.
    static func degreeTable(variables: [String], edges: [LaggedEdge], rows: Int = 40) -> String {
        let p = variables.count
        var inDegree = [Int](repeating: 0, count: p), outDegree = [Int](repeating: 0, count: p)
        for e in Set(edges.map(\.summary)) { outDegree[e.source] += 1; inDegree[e.target] += 1 }
        let order = (0..<p).sorted { a, b in
            let (da, db) = (inDegree[a] + outDegree[a], inDegree[b] + outDegree[b])
            return da != db ? da > db : a < b
        }.filter { inDegree[$0] + outDegree[$0] > 0 }
        guard !order.isEmpty else { return "<p class=\"note\">No edges were selected.</p>" }
        var s = "<p class=\"note\">\(p) variables are too many to draw; the \(min(rows, order.count)) most connected "
            + "of the \(order.count) with an edge, by the number of distinct summary parents (in) and children (out). "
            + "The full graph is in graph.json, adjacency.csv and graph.dot.</p>\n"
        s += "<table class=\"num\">\n<thead><tr><th>variable</th><th>in-degree</th><th>out-degree</th></tr></thead>\n<tbody>\n"
        for j in order.prefix(rows) {
            s += "<tr><td class=\"name\">\(ReportWriter.escape(variables[j]))</td><td>\(inDegree[j])</td><td>\(outDegree[j])</td></tr>\n"
        }
        return s + "</tbody></table>"
    }
}
