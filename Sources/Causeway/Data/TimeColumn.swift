import Foundation

/// Date/time stamps as users write them: ISO 8601 `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff]]`
/// (or with `T`), an optional `Z` or `±HH:MM` offset, and `/` in place of `-` in the date.
public enum TimeStamp {
    /// Seconds since 1970-01-01T00:00:00Z, or nil when `text` is not such a stamp. Plain
    /// numbers are not stamps (see `TimeAxis.read` for numeric time columns).
    public static func parse(_ text: String) -> Double? {
        let u = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= u.count else { return nil }
            var v = 0
            for k in i..<(i + n) { guard u[k] &- 48 < 10 else { return nil }; v = v * 10 + Int(u[k] - 48) }
            i += n
            return v
        }
        func accept(_ c: Character) -> Bool {
            if i < u.count, u[i] == c.asciiValue! { i += 1; return true }
            return false
        }
        guard let year = digits(4) else { return nil }
        let sep: Character = i < u.count && u[i] == UInt8(ascii: "/") ? "/" : "-"
        guard accept(sep), let month = digits(2), accept(sep), let day = digits(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        // a day the month does not have (2023-02-30) is no date
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        guard day <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] else { return nil }
        var seconds = Double(daysFromCivil(year, month, day)) * 86_400
        if i < u.count, u[i] == UInt8(ascii: "T") || u[i] == UInt8(ascii: " ") {
            i += 1
            guard let h = digits(2), accept(":"), let m = digits(2), h < 24, m < 60 else { return nil }
            var s = 0.0
            if accept(":") {
                guard let whole = digits(2), whole <= 60 else { return nil }
                s = Double(whole)
                if accept(".") {
                    let a = i
                    while i < u.count, u[i] &- 48 < 10 { i += 1 }
                    guard i > a, let f = Double("0." + String(decoding: u[a..<i], as: UTF8.self)) else { return nil }
                    s += f
                }
            }
            seconds += Double(h * 3600 + m * 60) + s
            if accept("Z") {
            } else if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
                let sign = u[i] == UInt8(ascii: "+") ? -1.0 : 1.0
                i += 1
                guard let oh = digits(2) else { return nil }
                _ = accept(":")
                guard let om = digits(2) else { return nil }
                seconds += sign * Double(oh * 3600 + om * 60)
            }
        }
        return i == u.count ? seconds : nil
    }

    /// Days from 1970-01-01 to the proleptic Gregorian date (H. Hinnant, "chrono-compatible
    /// low-level date algorithms", days_from_civil).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

/// A domain's time index, read from `--time-column`: used to check the row order, to warn
/// about irregular spacing, and to label outputs; never a variable.
public struct TimeAxis: Sendable, Equatable {
    public let column: String
    /// Seconds since the epoch for date/time stamps, or the column's own unit for numbers; [rows].
    public let values: [Double]
    public let isDate: Bool
    /// The first and last cells as written.
    public let first: String, last: String
    /// The median step between rows (seconds for dates).
    public let medianStep: Double
    /// Steps longer than 1.5 × the median step, and the longest one with the file line it ends on.
    public let gaps: Int
    public let largestGap: (step: Double, line: Int)?

    public static func == (a: TimeAxis, b: TimeAxis) -> Bool { a.column == b.column && a.values == b.values }

    /// Reads the raw cells of `column` (data row r is on file line `firstLine + r`). Every cell
    /// must be a number or a date/time of one kind, and the values strictly increasing.
    /// Throws naming the file, line and cell otherwise.
    public static func read(_ cells: [String], column: String, file: String, firstLine: Int) throws -> TimeAxis {
        guard let head = cells.first else { throw CausewayError("\(file): --time-column \(column) has no values") }
        let isDate = TimeStamp.parse(head) != nil
        var values: [Double] = []
        values.reserveCapacity(cells.count)
        for (r, c) in cells.enumerated() {
            guard let v = isDate ? TimeStamp.parse(c) : Double(c), v.isFinite else {
                if r == 0 {
                    throw CausewayError("\(file):\(firstLine): --time-column \(column): '\(c)' is neither a number nor an ISO 8601 date/time "
                        + "(YYYY-MM-DD or YYYY/MM/DD, optionally with THH:MM[:SS]); other formats (DD/MM/YYYY, month names) are not "
                        + "read: convert the column first (pandas: df[col] = pd.to_datetime(df[col], dayfirst=True).dt.strftime('%Y-%m-%d'))")
                }
                throw CausewayError("\(file):\(firstLine + r): --time-column \(column): '\(c)' is not \(isDate ? "a date/time like the first row's '\(head)'" : "a finite number like the first row's '\(head)'")")
            }
            if let prev = values.last, v <= prev {
                throw CausewayError("\(file):\(firstLine + r): --time-column \(column): '\(c)' is not after the previous row's '\(cells[r - 1])'; rows must be in time order without repeats (sort the file by time)")
            }
            values.append(v)
        }
        let steps = zip(values.dropFirst(), values).map { $0 - $1 }
        let median = steps.isEmpty ? 0 : steps.sorted()[steps.count / 2]
        var gaps = 0
        var largest: (Double, Int)? = nil
        for (k, s) in steps.enumerated() where s > 1.5 * median {
            gaps += 1
            if largest == nil || s > largest!.0 { largest = (s, firstLine + k + 1) }
        }
        return TimeAxis(column: column, values: values, isDate: isDate, first: head, last: cells.last!,
                        medianStep: median, gaps: gaps, largestGap: largest)
    }

    /// `x` seconds (or units) as a short human duration.
    public func duration(_ x: Double) -> String {
        guard isDate else { return String(format: "%g", x) }
        if x >= 86_400 { return String(format: "%g d", x / 86_400) }
        if x >= 3600 { return String(format: "%g h", x / 3600) }
        if x >= 60 { return String(format: "%g min", x / 60) }
        return String(format: "%g s", x)
    }

    /// One line for the terminal, graph.json and the report.
    public var summary: String {
        "\(column): \(first) … \(last), \(values.count) row\(values.count == 1 ? "" : "s"), step \(duration(medianStep))"
            + (gaps > 0 ? ", \(gaps) gap\(gaps == 1 ? "" : "s")" : "")
    }

    /// The irregular-spacing warning, or nil when every step is at most 1.5 × the median.
    public func irregularity(file: String) -> Diagnostic? {
        guard gaps > 0, let g = largestGap else { return nil }
        return Diagnostic(kind: .irregularTime, columns: [column],
                          message: "\(file): --time-column \(column) has \(gaps) gap\(gaps == 1 ? "" : "s") longer than 1.5 × the usual step of \(duration(medianStep)); the largest is \(duration(g.step)), ending on line \(g.line). Rows are treated as equally spaced, so a lag means one row, not one \(duration(medianStep))")
    }
}
