import Foundation

/// `study.html`: F1 (and AUROC) against samples per domain, one line per domain count, one
/// panel per method variant (Causeway with and without domain embedding, the baselines), and a
/// table of the means — self-contained HTML with inline SVG.
public enum StudyReport {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    public static func html(rows: [StudyRow], title: String) -> String {
        var body = ""
        let groups = Dictionary(grouping: rows) { "\($0.heterogeneity) heterogeneity, \($0.family)" }
        for key in groups.keys.sorted() {
            let g = groups[key]!
            let variants = orderedVariants(g)
            body += "<h2>\(escape(key)) <small>(\(g.first!.variables) variables, max lag \(g.first!.maxLag))</small></h2>\n"
            for (label, value) in metrics {
                body += "<h3>\(label) vs samples per domain</h3>\n<div class=\"panels\">\n"
                for v in variants { body += panel(g.filter { $0.variant == v }, title: v, yLabel: label, value: value) }
                body += "</div>\n"
            }
            body += table(g, variants: variants)
        }
        let seeds = Set(rows.map(\.seed)).count
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
            .panels { display: flex; flex-wrap: wrap; gap: 1em; }
            .panel { border: 1px solid #ddd; padding: 0.4em; }
            table { border-collapse: collapse; margin: 1em 0 2em; }
            td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
            th { background: #f4f4f4; } td.best { font-weight: bold; }
            small { color: #666; font-weight: normal; }
            </style></head><body>
            <h1>\(escape(title))</h1>
            <p>\(rows.count) results from \(Set(rows.map(\.cell)).count) cells; points are means over \(seeds) seed(s), bars span min–max.
            Lagged scores: an edge is (source, target, lag). Metrics from <code>causeway evaluate</code>.</p>
            \(body)
            </body></html>

            """
    }

    static let metrics: [(String, (StudyRow) -> Double?)] = [
        ("Lagged F1", { $0.f1Lagged }),
        ("Lagged AUROC", { $0.aurocLagged }),
    ]

    /// Causeway variants first, then the baselines, each in a stable order.
    static func orderedVariants(_ rows: [StudyRow]) -> [String] {
        let all = Set(rows.map(\.variant))
        let order = ["causeway", "causeway + domain embedding"] + StudyMethod.allCases.filter { $0 != .causeway }.map(\.rawValue)
        return order.filter { all.contains($0) } + all.subtracting(order).sorted()
    }

    /// Mean, min and max of `value` over seeds for one (domains, samples) point.
    static func points(_ rows: [StudyRow], value: (StudyRow) -> Double?) -> [Int: [(x: Int, mean: Double, lo: Double, hi: Double)]] {
        var out: [Int: [(Int, Double, Double, Double)]] = [:]
        for (d, byDomain) in Dictionary(grouping: rows, by: \.domains) {
            var line: [(Int, Double, Double, Double)] = []
            for (n, bySamples) in Dictionary(grouping: byDomain, by: \.samples) {
                let v = bySamples.compactMap(value)
                guard !v.isEmpty else { continue }
                line.append((n, v.reduce(0, +) / Double(v.count), v.min()!, v.max()!))
            }
            out[d] = line.sorted { $0.0 < $1.0 }
        }
        return out
    }

    static func panel(_ rows: [StudyRow], title: String, yLabel: String, value: (StudyRow) -> Double?) -> String {
        let w = 300.0, h = 220.0, left = 42.0, right = 10.0, top = 24.0, bottom = 36.0
        let lines = points(rows, value: value)
        let xs = Set(rows.map(\.samples)).sorted()
        guard let xmin = xs.first, let xmax = xs.last else { return "" }
        let logScale = xmax >= 4 * xmin
        func fx(_ n: Int) -> Double {
            if xmin == xmax { return left + (w - left - right) / 2 }
            let t = logScale ? (log(Double(n)) - log(Double(xmin))) / (log(Double(xmax)) - log(Double(xmin)))
                             : Double(n - xmin) / Double(xmax - xmin)
            return left + t * (w - left - right)
        }
        func fy(_ v: Double) -> Double { top + (1 - min(max(v, 0), 1)) * (h - top - bottom) }
        var svg = "<svg class=\"panel\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"\(escape(yLabel)): \(escape(title))\">\n"
        svg += "<text x=\"\(w / 2)\" y=\"15\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(escape(title))</text>\n"
        for tick in stride(from: 0.0, through: 1.0, by: 0.2) {
            let y = fy(tick)
            svg += "<line x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 4)\" y=\"\(y + 4)\" text-anchor=\"end\" font-size=\"10\">\(String(format: "%.1f", tick))</text>\n"
        }
        for n in xs {
            svg += "<text x=\"\(fx(n))\" y=\"\(h - bottom + 14)\" text-anchor=\"middle\" font-size=\"10\">\(compact(n))</text>\n"
        }
        svg += "<text x=\"\(left + (w - left - right) / 2)\" y=\"\(h - 6)\" text-anchor=\"middle\" font-size=\"10\">samples per domain\(logScale ? " (log)" : "")</text>\n"
        for (k, d) in lines.keys.sorted().enumerated() {
            let color = palette[k % palette.count]
            let pts = lines[d]!
            if pts.count > 1 {
                svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\""
                    + pts.map { "\(fx($0.x)),\(fy($0.mean))" }.joined(separator: " ") + "\"/>\n"
            }
            for p in pts {
                svg += "<line x1=\"\(fx(p.x))\" x2=\"\(fx(p.x))\" y1=\"\(fy(p.lo))\" y2=\"\(fy(p.hi))\" stroke=\"\(color)\"/>"
                svg += "<circle cx=\"\(fx(p.x))\" cy=\"\(fy(p.mean))\" r=\"3\" fill=\"\(color)\"><title>\(d) domain(s), \(p.x) samples: \(String(format: "%.3f", p.mean))</title></circle>\n"
            }
            // legend, bottom-right inside the plot
            let ly = h - bottom - 8 - Double(lines.count - 1 - k) * 13
            svg += "<rect x=\"\(w - right - 78)\" y=\"\(ly - 8)\" width=\"10\" height=\"3\" fill=\"\(color)\"/>"
            svg += "<text x=\"\(w - right - 64)\" y=\"\(ly - 3)\" font-size=\"10\">\(d) domain\(d == 1 ? "" : "s")</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Mean lagged F1 per (domains, samples) and variant; the best of each row in bold.
    static func table(_ rows: [StudyRow], variants: [String]) -> String {
        var s = "<table><tr><th>domains</th><th>samples / domain</th>" + variants.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        let keys = Set(rows.map { [$0.domains, $0.samples] }).sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
        for key in keys {
            let cellRows = rows.filter { $0.domains == key[0] && $0.samples == key[1] }
            let means: [Double?] = variants.map { v in
                let f = cellRows.filter { $0.variant == v }.map(\.f1Lagged)
                return f.isEmpty ? nil : f.reduce(0, +) / Double(f.count)
            }
            let best = means.compactMap { $0 }.max()
            s += "<tr><td>\(key[0])</td><td>\(key[1])</td>" + means.map { m in
                guard let m else { return "<td>–</td>" }
                return "<td\(m == best ? " class=\"best\"" : "")>\(String(format: "%.3f", m))</td>"
            }.joined() + "</tr>\n"
        }
        return s + "</table>\n<p><small>Lagged F1, mean over seeds.</small></p>\n"
    }

    static func compact(_ n: Int) -> String {
        n >= 1000 && n % 1000 == 0 ? "\(n / 1000)k" : String(n)
    }

    static func escape(_ s: String) -> String { markupEscape(s) }
}
