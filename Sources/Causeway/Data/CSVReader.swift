import Foundation

/// Reads a comma-separated numeric table by scanning its bytes once: an optional header
/// row of names, then one row per time step. Cells may have surrounding spaces or tabs;
/// CRLF line ends, a UTF-8 BOM and blank trailing lines are tolerated. Line numbers in
/// errors are 1-based and count the header as line 1.
enum CSVReader {
    struct Table {
        var names: [String]
        var series: Series
    }

    static func read(path: String, header: Bool) throws -> Table {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CausewayError("cannot read \(path)")
        }
        var bytes = [UInt8](data)
        bytes.append(0)  // NUL terminator: strtof never reads past the buffer
        return try bytes.withUnsafeBufferPointer { try parse($0, count: data.count, header: header, file: path) }
    }

    // MARK: - Implementation details

    private static let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")

    @inline(__always) private static func isBlank(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0D  // space, tab, CR
    }

    /// `p` holds `count` bytes followed by a NUL.
    private static func parse(_ p: UnsafeBufferPointer<UInt8>, count: Int, header: Bool, file: String) throws -> Table {
        var i = 0
        if count >= 3, p[0] == 0xEF, p[1] == 0xBB, p[2] == 0xBF { i = 3 }  // UTF-8 BOM
        var end = count
        while end > i, isBlank(p[end - 1]) || p[end - 1] == newline { end -= 1 }
        guard end > i else { throw CausewayError("\(file): file is empty") }

        // Names: from the header line, or x0, x1, ... counted from the first row.
        var lineEnd = i
        while lineEnd < end, p[lineEnd] != newline { lineEnd += 1 }
        let firstCells = String(decoding: UnsafeBufferPointer(rebasing: p[i..<lineEnd]), as: UTF8.self)
            .split(separator: ",", omittingEmptySubsequences: false)
        var names: [String]
        var line = 1
        if header {
            names = firstCells.map { cell in
                let s = cell.trimmingSpaces
                return s.count >= 2 && s.hasPrefix("\"") && s.hasSuffix("\"") ? String(s.dropFirst().dropLast()) : s
            }
            try checkNames(names, file: file)
            i = min(lineEnd + 1, end)
            line = 2
            guard i < end else { throw CausewayError("\(file): no data rows after the header") }
        } else {
            names = (0..<firstCells.count).map { "x\($0)" }
        }

        let columns = names.count
        // Values go straight into the buffer the Series will own (no second copy); its
        // capacity starts from the first row's length and doubles when full.
        var firstRow = i
        while firstRow < end, p[firstRow] != newline { firstRow += 1 }
        var capacity = max(columns, ((end - i) / max(1, firstRow - i + 1) + 16) * columns)
        var values = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        var count = 0, handedOver = false
        defer { if !handedOver { values.deallocate() } }
        while i < end {
            for j in 0..<columns {
                while i < end, p[i] == 0x20 || p[i] == 0x09 { i += 1 }
                let a = i
                while i < end, p[i] != comma, p[i] != newline { i += 1 }
                var b = i
                while b > a, isBlank(p[b - 1]) { b -= 1 }
                if j == 0, a == b, i == end || p[i] == newline {
                    throw CausewayError("\(file):\(line): empty line inside the data")
                }
                let atComma = i < end && p[i] == comma
                if j < columns - 1, !atComma {
                    throw CausewayError("\(file):\(line): expected \(columns) columns, found \(j + 1)")
                }
                if j == columns - 1, atComma {
                    var found = columns
                    while i < end, p[i] != newline { if p[i] == comma { found += 1 }; i += 1 }
                    throw CausewayError("\(file):\(line): expected \(columns) columns, found \(found)")
                }
                if count == capacity {
                    let grown = UnsafeMutablePointer<Float>.allocate(capacity: 2 * capacity)
                    grown.moveInitialize(from: values, count: count)
                    values.deallocate()
                    values = grown
                    capacity *= 2
                }
                values[count] = try number(p, a, b, file: file, line: line, column: names[j])
                count += 1
                i += 1  // past ',' or '\n'
            }
            line += 1
        }
        let rows = count / columns
        handedOver = true  // the Series now owns `values`
        return Table(names: names, series: Series(rows: rows, columns: columns, owning: values))
    }

    private static func checkNames(_ names: [String], file: String) throws {
        var seen: [String: Int] = [:]
        for (j, name) in names.enumerated() {
            if name.isEmpty { throw CausewayError("\(file):1: column \(j + 1) has an empty name in the header") }
            if let k = seen[name] {
                throw CausewayError("\(file):1: duplicate variable name '\(name)' (columns \(k + 1) and \(j + 1))")
            }
            seen[name] = j
        }
    }

    private static let powersOf10: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

    /// The finite Float in bytes [a, b). Plain decimals whose digits fit in 24 bits and whose
    /// exponent is within ±10 are computed exactly with one rounding; anything else goes to strtof.
    @inline(__always)
    private static func number(_ p: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int,
                               file: String, line: Int, column: String) throws -> Float {
        var k = a
        var negative = false
        if k < b, p[k] == UInt8(ascii: "-") || p[k] == UInt8(ascii: "+") { negative = p[k] == UInt8(ascii: "-"); k += 1 }
        var mantissa: UInt64 = 0, exponent = 0, digits = 0, fast = true
        while k < b, p[k] &- 48 < 10 {
            if mantissa < 100_000_000_000 { mantissa = mantissa * 10 + UInt64(p[k] &- 48) } else { fast = false }
            digits += 1; k += 1
        }
        if k < b, p[k] == UInt8(ascii: ".") {
            k += 1
            while k < b, p[k] &- 48 < 10 {
                if mantissa < 100_000_000_000 { mantissa = mantissa * 10 + UInt64(p[k] &- 48); exponent -= 1 } else { fast = false }
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
        if fast, digits > 0, k == b, mantissa <= 1 << 24, abs(exponent) <= 10 {
            let m = Float(mantissa)
            let v = exponent >= 0 ? m * powersOf10[exponent] : m / powersOf10[-exponent]
            return negative ? -v : v
        }
        // General case: strtof parses (and rounds) everything else, or tells us it is not a number.
        let start = p.baseAddress! + a
        var stop: UnsafeMutablePointer<CChar>? = nil
        let v = start.withMemoryRebound(to: CChar.self, capacity: b - a + 1) { strtof($0, &stop) }
        let consumed = stop.map { UnsafeRawPointer($0) - UnsafeRawPointer(start) } ?? 0
        let text = String(decoding: UnsafeBufferPointer(rebasing: p[a..<b]).prefix(60), as: UTF8.self)
        guard a < b, consumed == b - a else {
            throw CausewayError("\(file):\(line): column '\(column)' is not a number: '\(text)'")
        }
        guard v.isFinite else {
            throw CausewayError("\(file):\(line): column '\(column)' is not finite: '\(text)'")
        }
        return v
    }
}
