import Foundation
import Testing
@testable import Causeway

@Suite struct ReportWriterTests {
    /// p = 3, L = 2, one awkward variable name; truth has one edge beyond the max lag.
    static func input(withTruth: Bool) -> ReportInput {
        var s = ScoreTensor(maxLag: 2, variables: 3)
        s[1, 0, 1] = 0.9
        s[2, 1, 2] = 0.4
        s[1, 2, 2] = 0.05
        s[1, 1, 0] = 0.2
        let edges = [LaggedEdge(source: 0, target: 1, lag: 1), LaggedEdge(source: 1, target: 2, lag: 2),
                     LaggedEdge(source: 2, target: 2, lag: 1)]
        let truth = [LaggedEdge(source: 0, target: 1, lag: 1), LaggedEdge(source: 1, target: 2, lag: 2),
                     LaggedEdge(source: 1, target: 0, lag: 3)]
        var mean = ScoreTensor(maxLag: 2, variables: 3)
        mean[1, 0, 1] = 1.25
        return ReportInput(
            variables: ["a", "b<script>&\"", "c'd"], maxLag: 2, scores: s, edges: edges, rankMean: mean, rankStd: nil,
            trainingLog: [(10, 2.0, 2.5), (20, 1.0, nil), (30, 0.5, 0.75)],
            evaluation: withTruth ? Evaluation.evaluate(predicted: edges, scores: s, truth: truth) : nil,
            truth: withTruth ? truth : nil, title: "Run <1> & co",
            provenance: ["seed": "7", "command": "causeway run --data x<y>.csv"])
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func containsEverySectionWithEscapedNames() throws {
        let dir = TempFolder()
        let path = dir.path + "/report.html"
        try ReportWriter.write(Self.input(withTruth: true), to: path)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>\n"))
        // Self-contained: no scripts, no external resources.
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") || !html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"))
        #expect(!html.contains("https://"))
        // Sections and drawings: loss curve, heatmap, graph.
        for id in ["metrics", "training", "heatmap", "graph", "edges"] { #expect(html.contains("<section id=\"\(id)\">")) }
        #expect(Self.count("<svg ", in: html) == 3)
        #expect(Self.count("</svg>", in: html) == 3)
        // Escaped title, names and provenance; the raw forms never appear.
        #expect(html.contains("<title>Run &lt;1&gt; &amp; co</title>"))
        #expect(html.contains("b&lt;script&gt;&amp;&quot;"))
        #expect(html.contains("c&#39;d"))
        #expect(html.contains("x&lt;y&gt;.csv"))
        #expect(!html.contains("b<script>"))
        // Metrics: lagged TP 2 (a→b@1, b→c@2), FP 1 (c→c@1), FN 1 (b→a@3): P = R = F1 = 0.667, SHD 2.
        #expect(html.contains("<tr><th>lagged</th><td>0.667</td><td>0.667</td><td>0.667</td><td>2</td><td>2</td><td>1</td><td>1</td></tr>"))
        #expect(html.contains("beyond the max lag"))
        // Heatmap: one cell per candidate (with a hover title), one outline per predicted edge,
        // one dot per true edge within the max lag.
        #expect(Self.count("lag 1: ", in: html) == 9 && Self.count("lag 2: ", in: html) == 9)
        #expect(Self.count("stroke=\"\(ReportCharts.predictedOutline)\" stroke-width", in: html) == 3 + 1)  // + legend swatch
        #expect(Self.count("fill=\"#111827\" stroke=\"#ffffff\" stroke-width=\"1\"", in: html) == 2)
        // Graph: two true positives, one false positive (the self-loop), one missed edge (b → a).
        #expect(Self.count("marker-end=\"url(#cw-arrow-tp)\"", in: html) == 2)
        #expect(Self.count("marker-end=\"url(#cw-arrow-fp)\"", in: html) == 1)
        #expect(Self.count("marker-end=\"url(#cw-arrow-fn)\"", in: html) == 1)
        #expect(html.contains("missed true edge"))
        // Edge table sorted by score, with rank mean but no rank std column.
        #expect(html.contains("<th>rank mean</th>") && !html.contains("<th>rank std</th>"))
        let first = try #require(html.range(of: "<tr><td>1</td>"))
        #expect(html[first.upperBound...].hasPrefix("<td class=\"name\">a</td><td class=\"name\">b&lt;script&gt;&amp;&quot;</td><td>1</td><td>0.9</td><td>1.25</td><td class=\"yes\">yes</td>"))
        // Loss curve: a training and a validation polyline, validation skipping the null point.
        #expect(Self.count("<polyline", in: html) == 2)
        #expect(html.contains("best validation 0.75 at step 30"))
    }

    @Test func withoutTruthOrLogTheOptionalPartsAreLeftOut() throws {
        var input = Self.input(withTruth: false)
        input.trainingLog = []
        let html = try ReportWriter.html(input)
        #expect(!html.contains("<section id=\"metrics\">"))
        #expect(html.contains("No training log."))
        #expect(Self.count("<svg ", in: html) == 2)
        #expect(!html.contains("in truth"))
        #expect(Self.count("marker-end=\"url(#cw-arrow-e)\"", in: html) == 3)
    }

    @Test func rejectsMismatchedShapes() {
        var input = Self.input(withTruth: false)
        input.variables = ["a", "b"]
        expectError("report.html", "2 variables") { _ = try ReportWriter.html(input) }
        input = Self.input(withTruth: false)
        input.rankStd = ScoreTensor(maxLag: 1, variables: 3)
        expectError("report.html", "rank std") { _ = try ReportWriter.html(input) }
        input = Self.input(withTruth: false)
        input.edges.append(LaggedEdge(source: 0, target: 0, lag: 3))
        expectError("report.html", "lag 3") { _ = try ReportWriter.html(input) }
    }

    /// At p = 1,000 the page stays small: a downsampled heatmap (50 bins, block maxima), a degree
    /// table instead of the circle, and at most 500 edge rows.
    @Test func largeProblemsGetASmallPage() throws {
        let p = 1000, L = 3
        var rng = RNG(seed: 5)
        var s = ScoreTensor(maxLag: L, variables: p)
        for k in s.values.indices { s.values[k] = Float(rng.uniform(0, 1)) }
        s[2, 17, 3] = 7   // the largest score: block (0, 0) of lag 2 in the downsampled map
        var edges: [LaggedEdge] = []
        for k in 0..<3000 { edges.append(LaggedEdge(source: (k * 7) % p, target: (k * 13 + 1) % p, lag: 1 + k % L)) }
        edges.append(LaggedEdge(source: 999, target: 999, lag: 1))
        let html = try ReportWriter.html(ReportInput(variables: (0..<p).map { "x\($0)" }, maxLag: L, scores: s, edges: edges, title: "big"))
        #expect(html.utf8.count < 5_000_000, "\(html.utf8.count) bytes")
        #expect(html.contains("downsampled: the 1000 variables are grouped into 50 bins"))
        #expect(html.contains("<title>x0 … x19 → x0 … x19, lag 2: 7</title>"))
        #expect(html.contains("1000 variables are too many to draw") && html.contains("<th>in-degree</th>"))
        #expect(html.contains("The first 500 of 3001 edges; all of them are in graph.json."))
        // block maxima against a direct computation for one block
        let d = ReportScaling.downsample(scores: s, variables: (0..<p).map { "x\($0)" }, edges: Set(edges), truth: nil)
        var m: Float = -1
        for a in 40..<60 { for b in 980..<1000 { m = max(m, s[3, a, b]) } }
        #expect(d.scores[3, 2, 49] == m && d.names[49] == "x980 … x999")
        #expect(d.edges.contains(LaggedEdge(source: 49, target: 49, lag: 1)))
    }

    @Test func ticksAreNiceAndColoursInterpolate() {
        #expect(ReportCharts.niceTicks(0, 10) == [0, 2, 4, 6, 8, 10])
        #expect(ReportCharts.niceTicks(0.13, 0.87, count: 4) == [0.2, 0.4, 0.6, 0.8])
        #expect(ReportCharts.colour(0) == "#ffffd9")
        #expect(ReportCharts.colour(1) == "#0c2c84")
        #expect(ReportCharts.colour(2) == "#0c2c84")
    }
}
