/// HTML/XML text and attribute escaping of &, <, >, " and ' (as &#39;, valid in both).
/// Used by report.html, study.html and graph.graphml.
func markupEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
