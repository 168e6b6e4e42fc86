import Foundation

/// The inline SVG drawings of `report.html`. Every function returns one `<svg>` element sized in
/// user units with a `viewBox`, so the page's CSS (`max-width: 100%`) scales it down to fit.
enum ReportCharts {
    // MARK: - Palette

    static let trainColour = "#1d4ed8", valColour = "#ea580c"
    static let grid = "#e5e7eb", axis = "#9ca3af"
    static let predictedOutline = "#e11d48"
    static let tpColour = "#15803d", fpColour = "#dc2626", fnColour = "#94a3b8", edgeColour = "#334155"

    /// YlGnBu-like sequential scale (light = low, dark blue = high).
    static let stops: [(Double, Double, Double)] = [
        (255, 255, 217), (199, 233, 180), (127, 205, 187), (65, 182, 196), (29, 145, 192), (34, 94, 168), (12, 44, 132),
    ]

    /// Colour of t ∈ [0, 1] on the sequential scale.
    static func colour(_ t: Double) -> String {
        let x = min(max(t.isNaN ? 0 : t, 0), 1) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2)
        let f = x - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        func mix(_ u: Double, _ v: Double) -> Int { Int((u + (v - u) * f).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    static func n(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }

    static func esc(_ s: String) -> String { ReportWriter.escape(s) }

    /// Approximate rendered width of `s` at `size` px in a sans-serif font.
    static func textWidth(_ s: String, size: Double) -> Double { Double(s.count) * size * 0.58 }

    // MARK: - Ticks

    /// About `count` "nice" ticks (1, 2, 5 × 10^k steps) covering [lo, hi].
    static func niceTicks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var ticks: [Double] = []
        var k = ceil(lo / step - 1e-9)
        while k * step <= hi + step * 1e-9 {
            // k·step rounded to 12 significant digits, so 3 × 0.2 reads 0.6.
            let t = Double(String(format: "%.12g", k * step)) ?? k * step
            ticks.append(t == 0 ? 0 : t)
            k += 1
        }
        return ticks
    }

    static func tickLabel(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e5 || a < 1e-3 { return String(format: "%.0e", v) }
        var s = String(format: "%.4g", v)
        if s.contains("e") { s = String(format: "%.0e", v) }
        return s
    }

    // MARK: - Loss curve

    static func lossChart(_ log: [TrainingPoint]) -> String {
        let W = 880.0, H = 320.0, left = 70.0, right = 24.0, top = 16.0, bottom = 48.0
        let plotW = W - left - right, plotH = H - top - bottom
        let points = log.sorted { $0.step < $1.step }
        let steps = points.map { Double($0.step) }
        let values = points.flatMap { [$0.trainLoss] + ($0.valLoss.map { [$0] } ?? []) }.filter(\.isFinite)
        var x0 = steps.min() ?? 0, x1 = steps.max() ?? 1
        if x1 <= x0 { x0 -= 1; x1 += 1 }
        var y0 = values.min() ?? 0, y1 = values.max() ?? 1
        let logScale = y0 > 0 && y1 / y0 >= 10
        var yTicks: [Double]
        func ty(_ v: Double) -> Double { logScale ? log10(v) : v }
        if logScale {
            let (a, b) = (floor(log10(y0)), ceil(log10(y1)))
            yTicks = []
            for e in Int(a)...Int(b) {
                for m in (b - a <= 2 ? [1.0, 2, 5] : [1.0]) {
                    let v = m * pow(10, Double(e))
                    if v >= y0 / 1.05 && v <= y1 * 1.05 { yTicks.append(v) }
                }
            }
            let pad = (log10(y1) - log10(y0)) * 0.05
            y0 = pow(10, log10(y0) - pad)
            y1 = pow(10, log10(y1) + pad)
        } else {
            if y1 <= y0 { y0 -= 0.5; y1 += 0.5 }
            let pad = (y1 - y0) * 0.06
            y0 -= pad
            y1 += pad
            yTicks = niceTicks(y0, y1)
        }
        func sx(_ v: Double) -> Double { left + (v - x0) / (x1 - x0) * plotW }
        func sy(_ v: Double) -> Double { top + (1 - (ty(v) - ty(y0)) / (ty(y1) - ty(y0))) * plotH }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"loss\" width=\"\(n(W))\" height=\"\(n(H))\" viewBox=\"0 0 \(n(W)) \(n(H))\" role=\"img\" aria-label=\"training and validation loss\">\n"
        // Grid and axes.
        for t in yTicks {
            let y = sy(t)
            s += "<line x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(W - right))\" y2=\"\(n(y))\" stroke=\"\(grid)\"/>\n"
            s += "<text x=\"\(n(left - 8))\" y=\"\(n(y + 4))\" font-size=\"12\" text-anchor=\"end\">\(tickLabel(t))</text>\n"
        }
        for t in niceTicks(x0, x1, count: 8) {
            let x = sx(t)
            s += "<line x1=\"\(n(x))\" y1=\"\(n(top + plotH))\" x2=\"\(n(x))\" y2=\"\(n(top + plotH + 5))\" stroke=\"\(axis)\"/>\n"
            s += "<text x=\"\(n(x))\" y=\"\(n(top + plotH + 19))\" font-size=\"12\" text-anchor=\"middle\">\(tickLabel(t))</text>\n"
        }
        s += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotW))\" height=\"\(n(plotH))\" fill=\"none\" stroke=\"\(axis)\"/>\n"
        s += "<text x=\"\(n(left + plotW / 2))\" y=\"\(n(H - 8))\" font-size=\"13\" text-anchor=\"middle\">step</text>\n"
        s += "<text transform=\"translate(16 \(n(top + plotH / 2))) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">loss\(logScale ? " (log scale)" : "")</text>\n"

        func series(_ pts: [(Double, Double)], colour: String, dashed: Bool) -> String {
            guard !pts.isEmpty else { return "" }
            var out = "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" stroke-linejoin=\"round\""
                + (dashed ? " stroke-dasharray=\"6 4\"" : "") + " points=\""
                + pts.map { "\(n(sx($0.0))),\(n(sy($0.1)))" }.joined(separator: " ") + "\"/>\n"
            if pts.count <= 60 {
                for (x, y) in pts { out += "<circle cx=\"\(n(sx(x)))\" cy=\"\(n(sy(y)))\" r=\"2.5\" fill=\"\(colour)\"/>\n" }
            }
            return out
        }
        let train = points.filter { $0.trainLoss.isFinite }.map { (Double($0.step), $0.trainLoss) }
        let val = points.compactMap { p in p.valLoss.flatMap { $0.isFinite ? (Double(p.step), $0) : nil } }
        s += series(train, colour: trainColour, dashed: false)
        s += series(val, colour: valColour, dashed: false)
        // Best validation point.
        if let best = val.min(by: { $0.1 < $1.1 }) {
            let (bx, by) = (sx(best.0), sy(best.1))
            s += "<circle cx=\"\(n(bx))\" cy=\"\(n(by))\" r=\"5\" fill=\"none\" stroke=\"\(valColour)\" stroke-width=\"2\"/>\n"
            let anchor = bx > left + plotW * 0.8 ? "end" : "start"
            // below the point, unless that would reach the x axis: then above it
            let labelY = by + 17 > top + plotH - 6 ? by - 10 : by + 17
            s += "<text x=\"\(n(bx + (anchor == "end" ? -8 : 8)))\" y=\"\(n(labelY))\" font-size=\"12\" text-anchor=\"\(anchor)\">best validation \(tickLabel(best.1)) at step \(Int(best.0))</text>\n"
        }
        // Legend (top right).
        let lx = W - right - 160, ly = top + 12
        s += "<rect x=\"\(n(lx - 10))\" y=\"\(n(ly - 10))\" width=\"158\" height=\"\(val.isEmpty ? 26 : 46)\" rx=\"4\" fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"\(grid)\"/>\n"
        s += "<line x1=\"\(n(lx))\" y1=\"\(n(ly + 3))\" x2=\"\(n(lx + 24))\" y2=\"\(n(ly + 3))\" stroke=\"\(trainColour)\" stroke-width=\"2.5\"/>"
            + "<text x=\"\(n(lx + 32))\" y=\"\(n(ly + 7))\" font-size=\"12\">training loss</text>\n"
        if !val.isEmpty {
            s += "<line x1=\"\(n(lx))\" y1=\"\(n(ly + 23))\" x2=\"\(n(lx + 24))\" y2=\"\(n(ly + 23))\" stroke=\"\(valColour)\" stroke-width=\"2.5\"/>"
                + "<text x=\"\(n(lx + 32))\" y=\"\(n(ly + 27))\" font-size=\"12\">validation loss</text>\n"
        }
        s += "</svg>\n"
        return s
    }

    // MARK: - Heatmap

    /// How scores map to colours: linear over [lo, hi], or log10 over [hi·10⁻³, hi] when the
    /// scores are non-negative and span more than two decades.
    struct ColourScale {
        let lo: Double, hi: Double, logScale: Bool

        init(_ values: [Float]) {
            let finite = values.filter(\.isFinite).map(Double.init)
            let mx = finite.max() ?? 1, mn = finite.min() ?? 0
            let positive = finite.filter { $0 > 0 }
            if mn >= 0, mx > 0, let minPositive = positive.min(), mx / minPositive > 100 {
                logScale = true
                hi = mx
                lo = max(minPositive, mx * 1e-3)
            } else {
                logScale = false
                hi = mx > mn ? mx : mn + 1
                lo = mn
            }
        }

        func t(_ v: Float) -> Double {
            let x = Double(v)
            if x.isNaN { return .nan }
            if logScale { return x <= lo ? 0 : (log10(x) - log10(lo)) / (log10(hi) - log10(lo)) }
            return (x - lo) / (hi - lo)
        }

        func value(at t: Double) -> Double { logScale ? pow(10, log10(lo) + t * (log10(hi) - log10(lo))) : lo + t * (hi - lo) }
    }

    /// Layout: each lag block is a p × p grid (rows = targets, columns = sources). Blocks sit side by
    /// side while they fit about 1150 units of width (cells 14–36 units), otherwise they wrap
    /// onto further block rows, each with its own labels, so names stay readable up to p ≈ 40.
    /// Up to this many variables the heatmap prints every score in its cell.
    static let valuesInCellsVariables = 12

    /// `values`: print each score in its cell (cells are then at least 30 units, wrapping lag
    /// blocks onto more rows when needed).
    static func heatmap(scores s: ScoreTensor, variables: [String], edges: Set<LaggedEdge>, truth: Set<LaggedEdge>?,
                        values: Bool = false) -> String {
        let p = s.variables, L = s.maxLag
        let minimumCell = values ? 30.0 : 14.0
        let blockGap = 14.0, pageWidth = 1150.0
        func shortName(_ name: String) -> String {
            name.count > 24 ? String(name.prefix(23)) + "…" : name
        }
        let longestChars = Double(variables.map { shortName($0).count }.max() ?? 1)
        // First guess with 11-unit labels to size the margins.
        var labelSize = 11.0
        var longest = longestChars * labelSize * 0.58
        var left = longest + 34  // row labels + the "target" axis title
        var overhang = longest * 0.5 + 10  // rotated column labels lean right
        let available = pageWidth - left - overhang
        var cell: Double
        var blocksPerRow: Int
        let oneRow = (available - Double(L - 1) * blockGap) / Double(L * p)
        if oneRow >= minimumCell {
            cell = min(36, oneRow.rounded(.down))
            blocksPerRow = L
        } else {
            cell = minimumCell
            blocksPerRow = max(1, Int((available + blockGap) / (Double(p) * cell + blockGap)))
        }
        labelSize = min(12.5, max(9.5, cell * 0.72))
        longest = longestChars * labelSize * 0.58
        left = longest + 34
        overhang = longest * 0.5 + 10
        let blockRows = (L + blocksPerRow - 1) / blocksPerRow
        let blockW = Double(p) * cell
        let colLabelH = longest * 0.87 + 12
        let gridH = Double(p) * cell
        let bandH = colLabelH + gridH + 34  // labels, grid, lag bracket
        let gridW = Double(blocksPerRow) * blockW + Double(blocksPerRow - 1) * blockGap
        let legendW = 700.0
        let W = max(left + gridW + overhang, legendW)
        let legendTop = Double(blockRows) * bandH + 14
        let H = legendTop + 56
        let scale = ColourScale(s.values)
        func origin(_ lag: Int) -> (Double, Double) {
            let k = lag - 1
            let (row, col) = (k / blocksPerRow, k % blocksPerRow)
            return (left + Double(col) * (blockW + blockGap), Double(row) * bandH + colLabelH)
        }
        func cellX(_ lag: Int, _ source: Int) -> Double { origin(lag).0 + Double(source) * cell }
        func cellY(_ lag: Int, _ target: Int) -> Double { origin(lag).1 + Double(target) * cell }

        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" width=\"\(n(W))\" height=\"\(n(H))\" viewBox=\"0 0 \(n(W)) \(n(H))\" role=\"img\" aria-label=\"score heatmap\">\n"
        for lag in 1...L {
            let (x0, y0) = origin(lag)
            for target in 0..<p {
                for source in 0..<p {
                    let v = s[lag, source, target]
                    let fill = v.isNaN ? "#d1d5db" : colour(scale.t(v))
                    out += "<rect x=\"\(n(cellX(lag, source)))\" y=\"\(n(cellY(lag, target)))\" width=\"\(n(cell))\" height=\"\(n(cell))\" fill=\"\(fill)\">"
                        + "<title>\(esc(variables[source])) → \(esc(variables[target])), lag \(lag): \(ReportWriter.fmtScore(v))</title></rect>\n"
                    if values {
                        let t = scale.t(v)
                        out += "<text x=\"\(n(cellX(lag, source) + cell / 2))\" y=\"\(n(cellY(lag, target) + cell / 2 + cell * 0.11))\" "
                            + "font-size=\"\(n(cell * 0.3))\" text-anchor=\"middle\" style=\"fill:\(t.isFinite && t > 0.55 ? "#ffffff" : "#111827")\" "
                            + "pointer-events=\"none\">\(cellLabel(v, top: scale.hi))</text>\n"
                    }
                }
            }
            out += "<rect x=\"\(n(x0))\" y=\"\(n(y0))\" width=\"\(n(blockW))\" height=\"\(n(gridH))\" fill=\"none\" stroke=\"\(axis)\" stroke-width=\"0.8\"/>\n"
            // Column labels (sources), rotated −60°.
            for j in 0..<p {
                out += "<text transform=\"translate(\(n(cellX(lag, j) + cell / 2 + labelSize * 0.3)) \(n(y0 - 5))) rotate(-60)\" font-size=\"\(n(labelSize))\">\(esc(shortName(variables[j])))</text>\n"
            }
            // Row labels (targets) at the start of every block row.
            if (lag - 1) % blocksPerRow == 0 {
                for i in 0..<p {
                    out += "<text x=\"\(n(x0 - 6))\" y=\"\(n(cellY(lag, i) + cell / 2 + labelSize * 0.35))\" font-size=\"\(n(labelSize))\" text-anchor=\"end\">\(esc(shortName(variables[i])))</text>\n"
                }
                out += "<text transform=\"translate(14 \(n(y0 + gridH / 2))) rotate(-90)\" font-size=\"13\" font-weight=\"600\" text-anchor=\"middle\">target</text>\n"
            }
            // Lag bracket and label below the block.
            let by = y0 + gridH + 6
            out += "<path d=\"M\(n(x0)) \(n(by)) V\(n(by + 5)) H\(n(x0 + blockW)) V\(n(by))\" fill=\"none\" stroke=\"\(axis)\"/>\n"
            out += "<text x=\"\(n(x0 + blockW / 2))\" y=\"\(n(by + 21))\" font-size=\"13\" font-weight=\"600\" text-anchor=\"middle\">lag \(lag) · source</text>\n"
        }
        // Predicted edges: outlined; true edges: a dot.
        let outline = max(1.5, min(2.5, cell / 8))
        for e in edges.sorted() {
            out += "<rect x=\"\(n(cellX(e.lag, e.source) + outline / 2))\" y=\"\(n(cellY(e.lag, e.target) + outline / 2))\" width=\"\(n(cell - outline))\" height=\"\(n(cell - outline))\" fill=\"none\" stroke=\"\(predictedOutline)\" stroke-width=\"\(n(outline))\"/>\n"
        }
        if let truth {
            // in the centre, or in the top-right corner when the cell prints its value
            let (dx, dy, r) = values ? (cell * 0.8, cell * 0.22, max(2.2, cell * 0.1)) : (cell / 2, cell / 2, max(2.2, cell * 0.15))
            for e in truth.sorted() where e.lag <= L {
                out += "<circle cx=\"\(n(cellX(e.lag, e.source) + dx))\" cy=\"\(n(cellY(e.lag, e.target) + dy))\" r=\"\(n(r))\" fill=\"#111827\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n"
            }
        }

        // Legend: gradient bar with three ticks, then the markers.
        let ly = legendTop, lx = 34.0, barW = 240.0, barH = 12.0
        out += "<defs><linearGradient id=\"cw-scale\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">"
        for k in 0...10 { out += "<stop offset=\"\(Double(k) / 10)\" stop-color=\"\(colour(Double(k) / 10))\"/>" }
        out += "</linearGradient></defs>\n"
        out += "<text x=\"\(n(lx))\" y=\"\(n(ly))\" font-size=\"12\">score\(scale.logScale ? " (log colour scale)" : "")</text>\n"
        out += "<rect x=\"\(n(lx))\" y=\"\(n(ly + 6))\" width=\"\(n(barW))\" height=\"\(n(barH))\" fill=\"url(#cw-scale)\" stroke=\"\(axis)\" stroke-width=\"0.6\"/>\n"
        for (k, t) in [0.0, 0.5, 1.0].enumerated() {
            let x = lx + t * barW
            let anchor = k == 0 ? "start" : k == 2 ? "end" : "middle"
            out += "<line x1=\"\(n(x))\" y1=\"\(n(ly + 6 + barH))\" x2=\"\(n(x))\" y2=\"\(n(ly + 10 + barH))\" stroke=\"\(axis)\"/>"
            out += "<text x=\"\(n(x))\" y=\"\(n(ly + 23 + barH))\" font-size=\"11\" text-anchor=\"\(anchor)\">\(k == 0 && scale.logScale ? "≤ " : "")\(String(format: "%.3g", scale.value(at: t)))</text>\n"
        }
        var mx = lx + barW + 40
        let my = ly + 5
        out += "<rect x=\"\(n(mx))\" y=\"\(n(my))\" width=\"14\" height=\"14\" fill=\"\(colour(0.3))\" stroke=\"\(predictedOutline)\" stroke-width=\"2\"/>"
            + "<text x=\"\(n(mx + 21))\" y=\"\(n(my + 11))\" font-size=\"12\">predicted edge</text>\n"
        mx += 130
        if truth != nil {
            out += "<rect x=\"\(n(mx))\" y=\"\(n(my))\" width=\"14\" height=\"14\" fill=\"\(colour(0.3))\"/>"
                + "<circle cx=\"\(n(mx + 7))\" cy=\"\(n(my + 7))\" r=\"3\" fill=\"#111827\" stroke=\"#ffffff\"/>"
                + "<text x=\"\(n(mx + 21))\" y=\"\(n(my + 11))\" font-size=\"12\">true edge</text>\n"
            mx += 100
        }
        if s.values.contains(where: \.isNaN) {
            out += "<rect x=\"\(n(mx))\" y=\"\(n(my))\" width=\"14\" height=\"14\" fill=\"#d1d5db\"/>"
                + "<text x=\"\(n(mx + 21))\" y=\"\(n(my + 11))\" font-size=\"12\">NaN</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    /// A score in at most 4 characters for a heatmap cell: ".21", "3.4", "12", "1e4", "NaN".
    static func cellLabel(_ v: Float, top: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "∞" : "−∞" }
        let x = Double(v), a = abs(x)
        if a >= 1000 { return String(format: "%.0e", x).replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e+", with: "e") }
        if a >= 10 { return String(format: "%.0f", x) }
        if a >= 1 { return String(format: "%.1f", x) }
        if a < 0.005 { return x == 0 ? "0" : (x > 0 ? "<.01" : "−0") }
        let t = String(format: "%.2f", a).dropFirst()   // ".21"
        return (x < 0 ? "−" : "") + t
    }

    // MARK: - Summary graph

    static func summaryGraph(scores s: ScoreTensor, variables: [String], edges: [LaggedEdge], truth: [LaggedEdge]?) -> String {
        let p = variables.count
        let predicted = Set(edges.map(\.summary))
        let trueSet = truth.map { Set($0.map(\.summary)) }
        let missed = trueSet.map { $0.subtracting(predicted).sorted() } ?? []
        let summary = s.summary()
        let labelSize = p > 16 ? 11.0 : 12.5
        let nodeR = p > 16 ? 9.0 : 13.0
        let ringR = max(170, min(360, Double(p) * 15))
        let labelRoom = min(150, (variables.map { textWidth($0, size: labelSize) }.max() ?? 0)) + nodeR * 3.1 + 20
        let cxy = ringR + labelRoom + 10
        let legendW = (trueSet == nil ? 190.0 : 560.0) + 300
        let W = max(2 * cxy, legendW), legendH = 44.0
        let H = 2 * cxy + legendH
        func pos(_ i: Int) -> (Double, Double, Double) {
            let a = -Double.pi / 2 + 2 * Double.pi * Double(i) / Double(max(p, 1))
            return (W / 2 + ringR * cos(a), cxy + ringR * sin(a), a)
        }
        let drawnScores = predicted.map { summary[$0.source * p + $0.target] }.filter { $0.isFinite && $0 > 0 }
        let top = Double(drawnScores.max() ?? 0)
        func width(_ e: SummaryEdge) -> Double {
            let v = Double(summary[e.source * p + e.target])
            return v.isFinite && v > 0 && top > 0 ? 1 + 2.8 * v / top : 1
        }

        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" width=\"\(n(W))\" height=\"\(n(H))\" viewBox=\"0 0 \(n(W)) \(n(H))\" role=\"img\" aria-label=\"summary graph\">\n"
        out += "<defs>\n"
        for (id, c) in [("e", edgeColour), ("tp", tpColour), ("fp", fpColour), ("fn", fnColour)] {
            out += "<marker id=\"cw-arrow-\(id)\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"11\" markerHeight=\"11\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">"
                + "<path d=\"M0 0 L10 5 L0 10 z\" fill=\"\(c)\"/></marker>\n"
        }
        out += "</defs>\n"
        out += "<circle cx=\"\(n(W / 2))\" cy=\"\(n(cxy))\" r=\"\(n(ringR))\" fill=\"none\" stroke=\"#f1f5f9\" stroke-width=\"1\"/>\n"

        // The control point of the quadratic curve of a non-loop edge: bent to the right of the
        // direction source → target, so that i → j and j → i do not overlap.
        func control(_ e: SummaryEdge) -> (Double, Double) {
            let (x1, y1, _) = pos(e.source), (x2, y2, _) = pos(e.target)
            let (dx, dy) = (x2 - x1, y2 - y1)
            let len = max((dx * dx + dy * dy).squareRoot(), 1e-9)
            let bend = 0.12 * len
            return ((x1 + x2) / 2 - dy / len * bend, (y1 + y2) / 2 + dx / len * bend)
        }

        func edgePath(_ e: SummaryEdge, colour: String, marker: String, strokeWidth: Double, dashed: Bool, title: String) -> String {
            let (x1, y1, a) = pos(e.source)
            let (x2, y2, _) = pos(e.target)
            let dash = dashed ? " stroke-dasharray=\"5 4\"" : ""
            if e.source == e.target {
                // Self-loop: a circle-like arc outside the node, leaving and entering ±0.55 rad off the radius.
                let loopR = nodeR * 0.95
                let (d1, d2) = (a - 0.6, a + 0.6)
                let (px, py) = (x1 + nodeR * cos(d1), y1 + nodeR * sin(d1))
                let (qx, qy) = (x1 + nodeR * cos(d2), y1 + nodeR * sin(d2))
                return "<path d=\"M\(n(px)) \(n(py)) A\(n(loopR)) \(n(loopR)) 0 1 1 \(n(qx)) \(n(qy))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(n(strokeWidth))\"\(dash) marker-end=\"url(#cw-arrow-\(marker))\"><title>\(esc(title))</title></path>\n"
            }
            let (mx, my) = control(e)
            func shorten(_ x: Double, _ y: Double, toward cx: Double, _ cy: Double, by d: Double) -> (Double, Double) {
                let (ux, uy) = (cx - x, cy - y)
                let l = max((ux * ux + uy * uy).squareRoot(), 1e-9)
                return (x + ux / l * d, y + uy / l * d)
            }
            let (sx, sy) = shorten(x1, y1, toward: mx, my, by: nodeR + 1)
            let (ex, ey) = shorten(x2, y2, toward: mx, my, by: nodeR + 2)
            return "<path d=\"M\(n(sx)) \(n(sy)) Q\(n(mx)) \(n(my)) \(n(ex)) \(n(ey))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(n(strokeWidth))\" stroke-opacity=\"0.85\"\(dash) marker-end=\"url(#cw-arrow-\(marker))\"><title>\(esc(title))</title></path>\n"
        }
        for e in missed {
            out += edgePath(e, colour: fnColour, marker: "fn", strokeWidth: 1.3, dashed: true,
                            title: "\(variables[e.source]) → \(variables[e.target]): missed true edge")
        }
        var selfLags: [Int: String] = [:]
        var lagLabels: [(text: String, e: SummaryEdge)] = []
        for e in predicted.sorted() {
            let isTrue = trueSet?.contains(e)
            let (c, m) = isTrue == nil ? (edgeColour, "e") : isTrue! ? (tpColour, "tp") : (fpColour, "fp")
            let lags = edges.filter { $0.summary == e }.map(\.lag).sorted().map(String.init).joined(separator: ",")
            out += edgePath(e, colour: c, marker: m, strokeWidth: width(e), dashed: false,
                            title: "\(variables[e.source]) → \(variables[e.target]), lags \(lags), summary score \(ReportWriter.fmtScore(summary[e.source * p + e.target]))")
            if e.source == e.target { selfLags[e.source] = lags } else { lagLabels.append((lags, e)) }
        }
        // Lag labels on the arrows: each at the first point along its curve (from the middle
        // outwards) where its box overlaps no node and no label placed before it.
        let lagSize = 10.5
        var taken: [(x0: Double, y0: Double, x1: Double, y1: Double)] = (0..<p).map { i in
            let (x, y, _) = pos(i)
            return (x - nodeR - 2, y - nodeR - 2, x + nodeR + 2, y + nodeR + 2)
        }
        func overlaps(_ b: (x0: Double, y0: Double, x1: Double, y1: Double)) -> Bool {
            taken.contains { b.x0 < $0.x1 && $0.x0 < b.x1 && b.y0 < $0.y1 && $0.y0 < b.y1 }
        }
        for (text, e) in lagLabels {
            let (x1, y1, _) = pos(e.source), (x2, y2, _) = pos(e.target)
            let (mx, my) = control(e)
            let w = textWidth(text, size: lagSize) + 6, h = lagSize + 4
            var chosen: (Double, Double)? = nil
            var first: (Double, Double) = (0, 0)
            for (k, t) in [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74].enumerated() {
                let u = 1 - t
                let (x, y) = (u * u * x1 + 2 * u * t * mx + t * t * x2, u * u * y1 + 2 * u * t * my + t * t * y2)
                if k == 0 { first = (x, y) }
                if !overlaps((x - w / 2, y - h / 2, x + w / 2, y + h / 2)) { chosen = (x, y); break }
            }
            let (x, y) = chosen ?? first
            taken.append((x - w / 2, y - h / 2, x + w / 2, y + h / 2))
            out += "<g class=\"lag\"><rect x=\"\(n(x - w / 2))\" y=\"\(n(y - h / 2))\" width=\"\(n(w))\" height=\"\(n(h))\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.9\"/>"
                + "<text x=\"\(n(x))\" y=\"\(n(y + lagSize * 0.36))\" font-size=\"\(n(lagSize))\" text-anchor=\"middle\">\(esc(text))</text></g>\n"
        }
        // Nodes and labels.
        for i in 0..<p {
            let (x, y, a) = pos(i)
            out += "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(nodeR))\" fill=\"#ffffff\" stroke=\"#1e3a8a\" stroke-width=\"1.6\"><title>\(esc(variables[i]))</title></circle>\n"
            // Beyond the self-loop (which reaches about 2.9 node radii out from the centre).
            let d = nodeR * 3.1 + 8
            let (lx, ly) = (x + d * cos(a), y + d * sin(a) + sin(a) * labelSize * 0.3)
            let c = cos(a)
            let anchor = c > 0.2 ? "start" : c < -0.2 ? "end" : "middle"
            let name = variables[i].count > 24 ? String(variables[i].prefix(23)) + "…" : variables[i]
            // a self-loop's lags go on a second line under (above, at the top of the ring) the name
            let below = sin(a) > -0.2
            let nameY = ly + labelSize * 0.35 + (selfLags[i] != nil && !below ? -labelSize * 0.6 : 0)
            out += "<text x=\"\(n(lx))\" y=\"\(n(nameY))\" font-size=\"\(n(labelSize))\" text-anchor=\"\(anchor)\">\(esc(name))</text>\n"
            if let lags = selfLags[i] {
                out += "<text x=\"\(n(lx))\" y=\"\(n(nameY + (below ? 1 : -1) * labelSize * 1.15))\" font-size=\"\(n(labelSize * 0.85))\" text-anchor=\"\(anchor)\" style=\"fill:#6b7280\">self, lag \(esc(lags))</text>\n"
            }
        }
        // Legend.
        let ly = 2 * cxy + 18
        var lx = 16.0
        func item(_ colour: String, _ label: String, dashed: Bool = false) {
            out += "<line x1=\"\(n(lx))\" y1=\"\(n(ly))\" x2=\"\(n(lx + 28))\" y2=\"\(n(ly))\" stroke=\"\(colour)\" stroke-width=\"2.5\"\(dashed ? " stroke-dasharray=\"5 4\"" : "")/>"
                + "<text x=\"\(n(lx + 36))\" y=\"\(n(ly + 4))\" font-size=\"12\">\(label)</text>\n"
            lx += 36 + textWidth(label, size: 12) + 26
        }
        if trueSet != nil {
            item(tpColour, "true positive")
            item(fpColour, "false positive")
            item(fnColour, "missed (false negative)", dashed: true)
        } else {
            item(edgeColour, "predicted edge")
        }
        out += "<text x=\"\(n(lx))\" y=\"\(n(ly + 4))\" font-size=\"12\" fill=\"#6b7280\">width ∝ summary score; numbers = lags</text>\n"
        out += "</svg>\n"
        return out
    }
}
