/// Refuses the inputs on which TOMLKit 0.6.0 cannot be called: its toml++ (3.4.0) stops the
/// process on them (an internal `assert`, which SwiftPM leaves on in debug and release builds)
/// instead of reporting a parse error. Every input refused here is invalid TOML, or holds a date
/// or time, which no grid holds; everything else goes to TOMLKit, which reports its own errors.
///
/// - NUL and the other control characters TOML allows nowhere (all but tab, LF and CR LF). A
///   NUL would also end the text early: TOMLKit hands it to C++ as a C string.
/// - A table header whose `[` or `[[` is not followed by a key or `]` (`[` alone on a line,
///   `[,`, `[[[`): toml++'s `parse_table_header` calls `parse_key` without checking the first
///   character (fixed upstream after 3.4.0, tomlplusplus pull request 301).
/// - Dates and times: toml++'s readers for them assert on several malformed ones
///   (`1979-05-27 5`, `1979-05-27T:`). A grid holds no dates or times, so every value that toml++
///   would hand to those readers (it starts with a digit and has `-` or `:`, an exponent like
///   `1e-5` aside) is refused, valid or not.
/// - Where an array expects a value, a character that ends values but that its loop does not
///   handle: `}` (`[}`, `[1, }`), and the Unicode line separators U+0085, U+2028, U+2029. The
///   separators are refused anywhere outside strings and comments, `}` wherever the innermost
///   open bracket is an array's.
///
/// Headers and values are found with a small scan that knows only strings, comments and bracket
/// nesting, enough to tell a header line from a line inside a multi-line array or string.
/// Found by `scripts/fuzz study-grid`; a new finding of that kind belongs here too.
enum TOMLPreflight {
    static func check(_ text: String, path: String) throws {
        let s = Array(text.unicodeScalars)
        var line = 1, i = 0
        var open: [Unicode.Scalar] = []  // `[` and `{` not yet closed, outside strings and comments
        var state = State.normal
        var atLineStart = true
        func fail(_ message: String) -> GridFileError { GridFileError("\(path):\(line): \(message)") }
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }

        while i < s.count {
            let c = s[i]
            if let name = forbiddenControl(c, next: at(i + 1)) {
                throw fail("\(name) (TOML allows no control characters but tab and line breaks)")
            }
            if c == "\n" {
                line += 1
                atLineStart = true
                // single-line strings and comments end here (an unclosed string is TOMLKit's to report)
                if state == .comment || state == .basic || state == .literal { state = .normal }
                i += 1
                continue
            }
            switch state {
            case .comment:
                i += 1
            case .basic, .multilineBasic:
                if c == "\\" {
                    i += at(i + 1) == "\n" ? 1 : 2  // keep a line break (multi-line continuation) for the count
                } else if c == "\"" {
                    let run = quoteRun(s, from: i, quote: "\"")
                    if state == .basic { state = .normal; i += 1 } else if run >= 3 { state = .normal; i += min(run, 5) } else { i += run }
                } else {
                    i += 1
                }
            case .literal, .multilineLiteral:
                if c == "'" {
                    let run = quoteRun(s, from: i, quote: "'")
                    if state == .literal { state = .normal; i += 1 } else if run >= 3 { state = .normal; i += min(run, 5) } else { i += run }
                } else {
                    i += 1
                }
            case .normal:
                if atLineStart && (c == " " || c == "\t") { i += 1; continue }
                if atLineStart && open.isEmpty && c == "[" {
                    guard headerStartsWithKey(s, from: i) else {
                        throw fail("'[' starts a table header, [name] or [[name]], but no key follows it")
                    }
                    // a header: "h" marks its brackets (its key is a name, not a value)
                    let double = at(i + 1) == "["
                    open.append(contentsOf: double ? ["h", "h"] : ["h"])
                    atLineStart = false
                    i += double ? 2 : 1
                    continue
                }
                atLineStart = false
                if c.value == 0x85 || c.value == 0x2028 || c.value == 0x2029 {
                    throw fail("line separator U+\(hex4(c.value)) outside a string (TOML line breaks are LF and CR LF)")
                }
                if c == "}" && open.last == "[" {
                    throw fail("'}' inside an array (it closes an inline table)")
                }
                if open.last != "h", i == 0 || isTokenDelimiter(s[i - 1]), looksLikeDateOrTime(s, from: i) {
                    // name the key: the text before '=' on this line (a value inside a multi-line
                    // array has its key on an earlier line; then the line's text alone)
                    var start = i
                    while start > 0 && s[start - 1] != "\n" { start -= 1 }
                    let before = String(String.UnicodeScalarView(s[start..<i]))
                    let key = before.split(separator: "=", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                    let what = before.contains("=") && !key.isEmpty ? "'\(key)' holds a date or time" : "a date or time"
                    throw fail("\(what) (grid values are integers, floats, strings, booleans and arrays of those)")
                }
                switch c {
                case "#": state = .comment
                case "\"":
                    if quoteRun(s, from: i, quote: "\"") >= 3 { state = .multilineBasic; i += 2 } else { state = .basic }
                case "'":
                    if quoteRun(s, from: i, quote: "'") >= 3 { state = .multilineLiteral; i += 2 } else { state = .literal }
                case "[", "{": open.append(c)
                case "]", "}": _ = open.popLast()
                default: break
                }
                i += 1
            }
        }
    }

    private enum State { case normal, comment, basic, literal, multilineBasic, multilineLiteral }

    /// How many `quote` characters follow one another from `k` on.
    private static func quoteRun(_ s: [Unicode.Scalar], from k: Int, quote: Unicode.Scalar) -> Int {
        var n = 0
        while k + n < s.count && s[k + n] == quote { n += 1 }
        return n
    }

    /// A name for a control character TOML forbids everywhere, or nil.
    static func forbiddenControl(_ c: Unicode.Scalar, next: Unicode.Scalar?) -> String? {
        switch c.value {
        case 0x09, 0x0A: return nil
        case 0x0D: return next == "\n" ? nil : "a carriage return without a line feed"
        case 0x00: return "NUL byte"
        case 0x01...0x1F, 0x7F: return "control character U+" + hex4(c.value)
        default: return nil
        }
    }

    private static func hex4(_ v: UInt32) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    /// Whether the header starting at `s[k] == "["` has what toml++ needs before it reads the
    /// key: after `[` (or `[[`) and spaces, a bare-key character, a quote, `]`, or the end.
    private static func headerStartsWithKey(_ s: [Unicode.Scalar], from k: Int) -> Bool {
        var j = k + 1
        var spaced = false
        while j < s.count && (s[j] == " " || s[j] == "\t") { j += 1; spaced = true }
        if j < s.count && s[j] == "[" && !spaced {
            j += 1
            while j < s.count && (s[j] == " " || s[j] == "\t") { j += 1 }
        }
        guard j < s.count else { return true }
        let c = s[j]
        return c == "]" || c == "\"" || c == "'" || isBareKeyCharacter(c)
    }

    /// Whether the token at `k` (up to a value terminator or `=`) is what toml++ reads as a date
    /// or time: it starts with a digit and has `-` or `:`, and is no float with an exponent
    /// (`1e-5`, `2.5E-3`) and no key (followed by `=`).
    private static func looksLikeDateOrTime(_ s: [Unicode.Scalar], from k: Int) -> Bool {
        guard k < s.count, isDigit(s[k]) else { return false }
        var j = k
        var token: [Unicode.Scalar] = []
        while j < s.count && !isValueTerminator(s[j]) && s[j] != "=" {
            if s[j] != "_" { token.append(s[j]) }
            j += 1
        }
        guard token.contains("-") || token.contains(":") else { return false }
        if isExponentFloat(token) { return false }
        while j < s.count && (s[j] == " " || s[j] == "\t") { j += 1 }
        return !(j < s.count && s[j] == "=")
    }

    /// digits [. digits] (e|E) [+|-] digits
    private static func isExponentFloat(_ t: [Unicode.Scalar]) -> Bool {
        var j = 0
        func digits() -> Bool {
            let start = j
            while j < t.count && isDigit(t[j]) { j += 1 }
            return j > start
        }
        guard digits() else { return false }
        if j < t.count && t[j] == "." { j += 1; guard digits() else { return false } }
        guard j < t.count && (t[j] == "e" || t[j] == "E") else { return false }
        j += 1
        if j < t.count && (t[j] == "+" || t[j] == "-") { j += 1 }
        return digits() && j == t.count
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

    /// Where a value or key may start after: whitespace, `=`, `[`, `{` or `,`.
    private static func isTokenDelimiter(_ c: Unicode.Scalar) -> Bool {
        isWhitespace(c) || c == "=" || c == "[" || c == "{" || c == ","
    }

    /// toml++'s value terminators: whitespace (any), `]`, `}`, `,`, `#`.
    private static func isValueTerminator(_ c: Unicode.Scalar) -> Bool {
        isWhitespace(c) || c == "]" || c == "}" || c == "," || c == "#"
    }

    /// toml++'s whitespace: tab, space, LF to CR, and the Unicode spaces and line separators.
    private static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09, 0x20, 0x0A...0x0D, 0x85, 0xA0, 0x1680, 0x180E, 0x2000...0x200B, 0x2028, 0x2029,
             0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF: return true
        default: return false
        }
    }

    private static func isBareKeyCharacter(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
    }
}
