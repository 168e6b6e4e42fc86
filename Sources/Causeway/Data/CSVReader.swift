import Foundation

/// How a delimited text table (.csv, .tsv) is read: `--no-header`, `--delimiter`,
/// `--time-column`, `--columns`, `--drop-columns`.
public struct TableOptions: Sendable, Equatable {
    /// The first line holds the variable names; without it columns are named x0, x1, … by position.
    public var header = true
    /// The field separator; nil = detected from the first line (the most frequent of comma,
    /// semicolon and tab; tab for a .tsv file when the line has none).
    public var delimiter: UInt8? = nil
    /// The column of time stamps (ISO 8601 dates/times or numbers): the time index, never a variable.
    public var timeColumn: String? = nil
    /// Keep only these variables, in this order (nil = every numeric column).
    public var columns: [String]? = nil
    /// Leave these columns out (they need not be numeric).
    public var dropColumns: [String] = []

    public init(header: Bool = true, delimiter: UInt8? = nil, timeColumn: String? = nil,
                columns: [String]? = nil, dropColumns: [String] = []) {
        self.header = header
        self.delimiter = delimiter
        self.timeColumn = timeColumn
        self.columns = columns
        self.dropColumns = dropColumns
    }
}

/// Reads a delimited numeric table by scanning its bytes once: an optional header row of
/// names, then one row per time step. Numbers are parsed as float64.
///
/// - Normalised: a UTF-8 BOM, CRLF line ends, blanks around cells, "quoted" cells, blank
///   trailing lines.
/// - Missing cells (empty, NA, NaN, nan, N/A, #N/A, null, None, NaT) become NaN and are counted
///   per column with their first lines; the loader's `--missing` policy decides what happens.
/// - Infinite cells (inf, -Infinity) and numbers beyond float64 (1e400) are errors in every mode,
///   all listed in one message.
/// - A first line that is all numbers (or numbers and a date) is refused with a suggestion of
///   `--no-header` (and `--time-column x<k>` for the date); a header of
///   dates says the table looks transposed; a first line of a label and numbers is data (a
///   header-less table, possibly one row per variable); a nameless or "Unnamed: 0" first column
///   is a pandas index and is skipped with a note (with a header of 0, 1, 2, …, a pandas
///   RangeIndex, whose transposed form the row count check then names).
/// Line numbers in errors are 1-based and count the header as line 1; columns are 1-based.
enum CSVReader {
    /// Where the missing cells of one variable are: their count and the first few lines.
    struct MissingCells {
        var count = 0
        var first: [(line: Int, text: String)] = []
    }

    struct Table {
        /// The variables, in the order of `series`' columns.
        var names: [String]
        /// Every column of the header line (or x0, x1, …), in file order.
        var fileColumns: [String]
        var series: Series
        /// File line of data row 0.
        var firstDataLine: Int
        /// The raw cells of `--time-column`, [rows].
        var time: [String]?
        /// Per variable.
        var missing: [MissingCells]
        /// What the reader decided on its own (a pandas index column, a detected delimiter).
        var notes: [Diagnostic]
    }

    /// `variables`: when the caller needs these variables (a manifest), they are matched by
    /// name; a missing one, or an extra numeric column, is an error naming the file.
    static func read(path: String, options: TableOptions, variables: [String]? = nil) throws -> Table {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CausewayError("cannot read \(path)")
        }
        let tsv = URL(fileURLWithPath: path).pathExtension.lowercased() == "tsv"
        return try parse(data, file: path, options: options, variables: variables, defaultDelimiter: tsv ? tab : comma)
    }

    /// Parses `data` as the contents of `file` (the fuzzing entry point).
    static func parse(_ data: Data, file: String, options: TableOptions, variables: [String]? = nil,
                      defaultDelimiter: UInt8 = comma) throws -> Table {
        var bytes = [UInt8](data)
        bytes.append(0)  // NUL terminator: strtod never reads past the buffer
        return try bytes.withUnsafeBufferPointer {
            var parser = Parser(p: $0, count: data.count, file: file, options: options, defaultDelimiter: defaultDelimiter)
            return try parser.run(variables: variables)
        }
    }

    static let comma = UInt8(ascii: ","), tab = UInt8(ascii: "\t"), semicolon = UInt8(ascii: ";")
    static let newline = UInt8(ascii: "\n"), quote = UInt8(ascii: "\"")

    /// Spellings of a missing cell (compared case-insensitively, after trimming).
    static let missingTokens: Set<String> = ["", "na", "nan", "-nan", "n/a", "#n/a", "null", "none", "nat"]

    /// The name a --delimiter value or a detected byte is shown as.
    static func describe(_ d: UInt8) -> String {
        switch d {
        case comma: return "','"
        case semicolon: return "';'"
        case tab: return "tab"
        default: return "'\(Character(Unicode.Scalar(d)))'"
        }
    }

    // MARK: - Implementation details

    private enum Role { case variable(Int), time, skip }

    private struct Parser {
        let p: UnsafeBufferPointer<UInt8>   // `count` bytes and a NUL
        let count: Int
        let file: String
        let options: TableOptions
        let defaultDelimiter: UInt8
        var delimiter: UInt8 = comma

        init(p: UnsafeBufferPointer<UInt8>, count: Int, file: String, options: TableOptions, defaultDelimiter: UInt8) {
            self.p = p; self.count = count; self.file = file; self.options = options; self.defaultDelimiter = defaultDelimiter
        }

        @inline(__always) func isBlank(_ c: UInt8) -> Bool {
            c == 0x20 || c == 0x0D || (c == 0x09 && delimiter != tab)
        }

        /// The cell starting at `i` (after leading blanks): its trimmed byte range (quotes
        /// removed) and the index of the delimiter or newline (or `end`) that ends it.
        @inline(__always) func cell(from start: Int, end: Int) -> (a: Int, b: Int, stop: Int) {
            var i = start
            while i < end, isBlank(p[i]) { i += 1 }
            if i < end, p[i] == quote {
                let a = i + 1
                var k = a
                while k < end, p[k] != quote || (k + 1 < end && p[k + 1] == quote) { k += p[k] == quote ? 2 : 1 }
                let b = min(k, end)
                var stop = min(k + 1, end)
                while stop < end, p[stop] != delimiter, p[stop] != newline { stop += 1 }
                return (a, b, stop)
            }
            let a = i
            while i < end, p[i] != delimiter, p[i] != newline { i += 1 }
            var b = i
            while b > a, isBlank(p[b - 1]) { b -= 1 }
            return (a, b, i)
        }

        func text(_ a: Int, _ b: Int, limit: Int = 60) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: p[a..<max(a, b)]).prefix(limit), as: UTF8.self)
        }

        /// The cells of the line starting at `i`, as strings, and the index after its newline.
        func lineCells(from i: Int, end: Int) -> (cells: [String], next: Int) {
            var cells: [String] = [], k = i
            while true {
                let c = cell(from: k, end: end)
                let t = text(c.a, c.b, limit: 1000)
                // inside a quoted cell a doubled quote stands for one ("x""y" is x"y)
                cells.append(c.a > 0 && p[c.a - 1] == quote && t.contains("\"\"") ? t.replacingOccurrences(of: "\"\"", with: "\"") : t)
                if c.stop >= end || p[c.stop] == newline { return (cells, min(c.stop + 1, end)) }
                k = c.stop + 1
            }
        }

        mutating func run(variables expected: [String]?) throws -> Table {
            var i = 0
            if count >= 3, p[0] == 0xEF, p[1] == 0xBB, p[2] == 0xBF { i = 3 }  // UTF-8 BOM
            var end = count
            while end > i, p[end - 1] == 0x20 || p[end - 1] == 0x09 || p[end - 1] == 0x0D || p[end - 1] == CSVReader.newline { end -= 1 }
            guard end > i else { throw CausewayError("\(file): file is empty") }
            var notes: [Diagnostic] = []

            // The delimiter: given, or the most frequent of , ; tab on the first line.
            var firstEnd = i
            while firstEnd < end, p[firstEnd] != CSVReader.newline { firstEnd += 1 }
            if let d = options.delimiter {
                delimiter = d
            } else {
                var counts: [UInt8: Int] = [comma: 0, semicolon: 0, tab: 0]
                var quoted = false
                for k in i..<firstEnd {
                    if p[k] == quote { quoted.toggle() } else if !quoted, counts[p[k]] != nil { counts[p[k]]! += 1 }
                }
                let best = [comma, semicolon, tab].max { counts[$0]! < counts[$1]! }!
                delimiter = counts[best]! > 0 ? best : defaultDelimiter
                if delimiter != comma {
                    notes.append(Diagnostic(kind: .note, columns: [], message: "\(file): fields are separated by \(describe(delimiter)) (detected; set --delimiter to override)"))
                }
            }

            // Column names.
            let first = lineCells(from: i, end: end)
            var fileColumns: [String]
            var line = 1
            var indexColumn = false
            if options.header {
                fileColumns = first.cells.map { $0.trimmingCharacters(in: .whitespaces) }
                try checkHeader(fileColumns)
                let name0 = fileColumns[0]
                if fileColumns.count > 1, name0.isEmpty || name0.hasPrefix("Unnamed: 0") {
                    indexColumn = true
                    fileColumns[0] = name0.isEmpty ? "(index)" : name0
                    notes.append(Diagnostic(kind: .indexColumn, columns: [fileColumns[0]],
                                            message: "\(file): column 1 has \(name0.isEmpty ? "no name" : "the name '\(name0)'"), as pandas writes its row index (DataFrame.to_csv); it is read as the row index, not as a variable"))
                }
                try checkNames(fileColumns)
                i = first.next
                line = 2
                guard i < end else { throw CausewayError("\(file): no data rows after the header") }
            } else {
                fileColumns = (0..<first.cells.count).map { "x\($0)" }
            }

            // The role of every column: variable k, the time index, or skipped.
            var roles = [Role](repeating: .skip, count: fileColumns.count)
            let position = Dictionary(fileColumns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            func column(_ name: String, flag: String) throws -> Int {
                guard let j = position[name] else {
                    // the header split on another delimiter than the file's: say so
                    var hint = ""
                    for other in [comma, semicolon, tab] where other != delimiter {
                        let parts = fileColumns.flatMap { $0.split(separator: Character(UnicodeScalar(other))) }
                        if parts.count > fileColumns.count && parts.contains(where: { $0 == Substring(name) }) {
                            hint = "; the header holds '\(name)' between \(describe(other)) characters, so the file looks \(describe(other))-separated: "
                                + "--delimiter \(other == tab ? "tab" : "'\(UnicodeScalar(other))'")"
                                + (options.delimiter != nil ? " (not \(describe(delimiter)))" : "")
                            break
                        }
                    }
                    throw CausewayError("\(flag) '\(name)': \(file) has no such column (columns: \(fileColumns.joined(separator: ", ")))\(hint)")
                }
                return j
            }
            var taken = Set<Int>()
            if indexColumn { taken.insert(0) }
            if let t = options.timeColumn {
                let j = try column(t, flag: "--time-column")
                roles[j] = .time
                taken.insert(j)
            }
            for name in options.dropColumns { taken.insert(try column(name, flag: "--drop-columns")) }
            var names: [String] = []
            if let expected {
                // a manifest's variables, matched by name
                for name in expected {
                    guard let j = position[name], !taken.contains(j) else {
                        throw CausewayError("\(file): variable '\(name)' is missing (its header: \(fileColumns.joined(separator: ", ")))")
                    }
                    roles[j] = .variable(names.count)
                    names.append(name)
                    taken.insert(j)
                }
                if let extra = fileColumns.indices.first(where: { !taken.contains($0) }) {
                    throw CausewayError("\(file): column \(extra + 1) '\(fileColumns[extra])' is not one of the manifest's variables; pass --time-column \(fileColumns[extra]) if it holds the time stamps, else --drop-columns \(fileColumns[extra]) (or remove it)")
                }
            } else if let wanted = options.columns {
                for name in wanted {
                    let j = try column(name, flag: "--columns")
                    if taken.contains(j) { throw CausewayError("--columns '\(name)': it is also the time column, the index or dropped") }
                    roles[j] = .variable(names.count)
                    names.append(name)
                    taken.insert(j)
                }
            } else {
                for j in fileColumns.indices where !taken.contains(j) {
                    roles[j] = .variable(names.count)
                    names.append(fileColumns[j])
                }
            }
            guard !names.isEmpty else { throw CausewayError("\(file): no variable columns left to read") }

            // Data rows.
            let columns = fileColumns.count, p = names.count
            let firstDataLine = line
            var rowEnd = i
            while rowEnd < end, self.p[rowEnd] != CSVReader.newline { rowEnd += 1 }
            var capacity = max(p, ((end - i) / max(1, rowEnd - i + 1) + 16) * p)
            var values = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
            var handedOver = false
            defer { if !handedOver { values.deallocate() } }
            var time: [String]? = options.timeColumn == nil ? nil : []
            var missing = [MissingCells](repeating: MissingCells(), count: p)
            var nonFinite: [String] = [], nonFiniteCount = 0
            var row = 0
            while i < end {
                if (row + 1) * p > capacity {
                    let grown = UnsafeMutablePointer<Double>.allocate(capacity: 2 * capacity)
                    grown.moveInitialize(from: values, count: row * p)
                    values.deallocate()
                    values = grown
                    capacity *= 2
                }
                for j in 0..<columns {
                    let c = cell(from: i, end: end)
                    i = c.stop
                    if j == 0, c.a == c.b, i == end || self.p[i] == CSVReader.newline, columns > 1 {
                        throw CausewayError("\(file):\(line): empty line inside the data")
                    }
                    let atDelimiter = i < end && self.p[i] == delimiter
                    if j < columns - 1, !atDelimiter {
                        throw CausewayError("\(file):\(line): expected \(columns) fields, found \(j + 1)")
                    }
                    if j == columns - 1, atDelimiter {
                        var found = columns + 1
                        var k = i + 1, trailingEmpty = true
                        while k < end, self.p[k] != CSVReader.newline {
                            if self.p[k] == delimiter { found += 1 }
                            if !isBlank(self.p[k]) { trailingEmpty = false }
                            k += 1
                        }
                        if found == columns + 1, trailingEmpty {
                            throw CausewayError("\(file):\(line): the line ends with \(describe(delimiter)), a trailing empty field after the \(columns) columns of the header (spreadsheet exports add one); remove the trailing \(describe(delimiter)) from every line")
                        }
                        throw CausewayError("\(file):\(line): expected \(columns) fields, found \(found)")
                    }
                    switch roles[j] {
                    case .skip:
                        break
                    case .time:
                        time!.append(text(c.a, c.b))
                    case .variable(let k):
                        let n = row * p + k
                        switch number(c.a, c.b) {
                        case .value(let v):
                            values[n] = v
                        case .missing:
                            values[n] = .nan
                            missing[k].count += 1
                            if missing[k].first.count < 5 { missing[k].first.append((line, text(c.a, c.b))) }
                        case .nonFinite(let overflow):
                            values[n] = .nan
                            nonFiniteCount += 1
                            if nonFinite.count < 10 {
                                nonFinite.append("line \(line) column '\(names[k])' '\(text(c.a, c.b))'\(overflow ? " (beyond the float64 range)" : "")")
                            }
                        case .notANumber:
                            throw notANumber(text(c.a, c.b), line: line, column: j, name: fileColumns[j])
                        }
                    }
                    i += 1  // past the delimiter or '\n'
                }
                line += 1
                row += 1
            }
            if nonFiniteCount > 0 {
                throw CausewayError("\(file): \(nonFiniteCount) infinite cell\(nonFiniteCount == 1 ? "" : "s"), which no --missing mode accepts: "
                    + nonFinite.joined(separator: "; ") + (nonFiniteCount > nonFinite.count ? "; …" : "")
                    + ". Replace them with a finite value or leave the cell empty (missing)")
            }
            let rows = row
            handedOver = true  // the Series now owns `values`
            return Table(names: names, fileColumns: fileColumns, series: Series(rows: rows, columns: p, owning: values),
                         firstDataLine: firstDataLine, time: time, missing: missing, notes: notes)
        }

        private func checkHeader(_ names: [String]) throws {
            // an empty (pandas index) first name and the integers 0, 1, 2, … or 1, 2, 3, …: the
            // header of a pandas frame whose columns are a RangeIndex (`df.to_csv()`, or
            // `df.T.to_csv()` of a frame with one row per time step). Names, not data: the index
            // column is skipped, and a transposed table is then named by the row count check.
            let rest = names.dropFirst().map { Int($0.trimmingSpaces) }
            if names.count >= 3, names[0].isEmpty || names[0].hasPrefix("Unnamed: 0"), rest.allSatisfy({ $0 != nil }),
               let first = rest[0], first == 0 || first == 1, rest.enumerated().allSatisfy({ $0.element == first + $0.offset }) {
                return
            }
            // a label, then numbers (not all integers): a data row whose first cell names it,
            // e.g. a header-less table with one row per variable
            func isNumber(_ x: String) -> Bool { Double(x.trimmingSpaces) != nil }
            if names.count >= 3, !isNumber(names[0]), !names[0].isEmpty, TimeStamp.parse(names[0]) == nil,
               names.dropFirst().allSatisfy(isNumber), names.dropFirst().contains(where: { Int($0.trimmingSpaces) == nil }) {
                let shown = names.prefix(4).joined(separator: ", ") + (names.count > 4 ? ", …" : "")
                throw CausewayError("\(file):1: the first line is a label followed by numbers (\(shown)), so it looks like data, not a header row. "
                    + "If every row is one variable's series, the table is transposed: Causeway reads one row per time step and one column per "
                    + "variable; transpose it (pandas: df.T.to_csv(...)). If the rows are time steps and the first column holds labels, pass "
                    + "--no-header --drop-columns x0")
            }
            // all numbers: data, not names
            if names.allSatisfy({ Double($0.trimmingSpaces) != nil || CSVReader.missingTokens.contains($0.lowercased()) }),
               names.contains(where: { Double($0.trimmingSpaces) != nil }) {
                let shown = names.prefix(4).joined(separator: ", ") + (names.count > 4 ? ", …" : "")
                throw CausewayError("\(file):1: the first line is all numbers (\(shown)), so it looks like data, not a header row; if the file has no header, pass --no-header (the variables are then named x0, x1, …)")
            }
            // dates and numbers: a data row with a time column, not names
            func isDate(_ x: String) -> Bool { !isNumber(x) && TimeStamp.parse(x) != nil }
            if names.count >= 2, names.allSatisfy({ isNumber($0) || isDate($0) || CSVReader.missingTokens.contains($0.lowercased()) }),
               names.contains(where: isNumber), let d = names.firstIndex(where: isDate), names.filter(isDate).count * 2 < names.count {
                let shown = names.prefix(4).joined(separator: ", ") + (names.count > 4 ? ", …" : "")
                throw CausewayError("\(file):1: the first line holds a date and numbers (\(shown)), so it looks like data, not a header row; "
                    + "if the file has no header, pass --no-header --time-column x\(d) (the columns are then named x0, x1, …)")
            }
            // dates as names: one column per time point
            let dated = names.filter { TimeStamp.parse($0) != nil && Double($0) == nil }.count
            if names.count >= 3, dated * 5 >= names.count * 4 {
                throw CausewayError("\(file):1: \(dated) of the \(names.count) column names are dates or times (\(names.prefix(3).joined(separator: ", ")), …), so the table looks transposed: Causeway reads one row per time step and one column per variable. Transpose it (pandas: df.T.to_csv(...))")
            }
            if names.count >= 2, names.last!.isEmpty {
                throw CausewayError("\(file):1: the header ends with \(describe(delimiter)), a trailing empty field (spreadsheet exports add one); remove the trailing \(describe(delimiter)) from every line")
            }
        }

        private func checkNames(_ names: [String]) throws {
            var seen: [String: Int] = [:]
            for (j, name) in names.enumerated() {
                if name.isEmpty { throw CausewayError("\(file):1: column \(j + 1) has an empty name in the header") }
                if let k = seen[name] {
                    throw CausewayError("\(file):1: duplicate variable name '\(name)' (columns \(k + 1) and \(j + 1))")
                }
                seen[name] = j
            }
        }

        private func notANumber(_ text: String, line: Int, column j: Int, name: String) -> CausewayError {
            var message = "\(file):\(line): column \(j + 1) '\(name)' is not a number: '\(text)'"
            // the cell holds another delimiter between numbers: the file is split on the wrong one
            let decimalComma = delimiter == semicolon && text.utf8.filter { $0 == comma }.count == 1
                && Double(text.replacingOccurrences(of: ",", with: ".")) != nil
            let other = decimalComma ? nil : [comma, semicolon, tab].first { d in
                d != delimiter && text.utf8.contains(d)
                    && text.split(separator: Character(UnicodeScalar(d))).allSatisfy { Double($0.trimmingSpaces) != nil || $0.isEmpty }
            }
            if let other {
                message += "; it holds numbers separated by \(describe(other)), so the file looks \(describe(other))-separated: --delimiter "
                    + (other == tab ? "tab" : "'\(UnicodeScalar(other))'") + (options.delimiter != nil ? " (not \(describe(delimiter)))" : "")
            } else if TimeStamp.parse(text) != nil {
                message += "; it looks like a date/time: pass --time-column \(name) to use it as the time index, or --drop-columns \(name)"
            } else if delimiter == semicolon, text.contains(","), Double(text.replacingOccurrences(of: ",", with: ".")) != nil {
                message += "; it looks like a decimal comma: write numbers with a decimal point"
            } else if line == 2 || options.header == false {
                message += "; leave out non-numeric columns with --drop-columns \(name)"
            }
            return CausewayError(message)
        }

        private enum Cell { case value(Double), missing, nonFinite(overflow: Bool), notANumber }

        private static let powersOf10: [Double] = (0...22).map { pow(10, Double($0)) }

        /// The cell in bytes [a, b). Plain decimals with at most 15 significant digits and a
        /// decimal exponent within ±22 are computed exactly with one rounding (Clinger's fast
        /// path); anything else goes to strtod.
        @inline(__always)
        private func number(_ a: Int, _ b: Int) -> Cell {
            var k = a
            var negative = false
            if k < b, p[k] == UInt8(ascii: "-") || p[k] == UInt8(ascii: "+") { negative = p[k] == UInt8(ascii: "-"); k += 1 }
            var mantissa: UInt64 = 0, exponent = 0, digits = 0, fast = true
            while k < b, p[k] &- 48 < 10 {
                if mantissa < 100_000_000_000_000 { mantissa = mantissa * 10 + UInt64(p[k] &- 48) } else { fast = false }
                digits += 1; k += 1
            }
            if k < b, p[k] == UInt8(ascii: ".") {
                k += 1
                while k < b, p[k] &- 48 < 10 {
                    if mantissa < 100_000_000_000_000 { mantissa = mantissa * 10 + UInt64(p[k] &- 48); exponent -= 1 } else { fast = false }
                    digits += 1; k += 1
                }
            }
            if k < b, p[k] == UInt8(ascii: "e") || p[k] == UInt8(ascii: "E") {
                k += 1
                var eNeg = false, e = 0, eDigits = 0
                if k < b, p[k] == UInt8(ascii: "-") || p[k] == UInt8(ascii: "+") { eNeg = p[k] == UInt8(ascii: "-"); k += 1 }
                while k < b, p[k] &- 48 < 10 { if e < 10_000 { e = e * 10 + Int(p[k] &- 48) }; eDigits += 1; k += 1 }
                if eDigits == 0 { fast = false }
                exponent += eNeg ? -e : e
            }
            if fast, digits > 0, k == b, mantissa < 1 << 53, abs(exponent) <= 22 {
                let m = Double(mantissa)
                let v = exponent >= 0 ? m * Parser.powersOf10[exponent] : m / Parser.powersOf10[-exponent]
                return .value(negative ? -v : v)
            }
            let cellText = text(a, b, limit: 20).lowercased()
            if CSVReader.missingTokens.contains(cellText) { return .missing }
            // strtod also reads C's hexadecimal numbers (0x7FFFFFFF): no measurement is written so
            if cellText.contains("x") || cellText.contains("p") { return .notANumber }
            // General case: strtod parses (and rounds) everything else, or tells us it is not a number.
            let start = p.baseAddress! + a
            var stop: UnsafeMutablePointer<CChar>? = nil
            let v = start.withMemoryRebound(to: CChar.self, capacity: b - a + 1) { strtod($0, &stop) }
            let consumed = stop.map { UnsafeRawPointer($0) - UnsafeRawPointer(start) } ?? 0
            guard a < b, consumed == b - a else { return .notANumber }
            if v.isNaN { return .missing }
            if v.isInfinite { return .nonFinite(overflow: !cellText.contains("inf")) }
            return .value(v)
        }
    }
}
