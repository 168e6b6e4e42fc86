import Foundation

/// What to do with missing cells (`--missing`).
public enum MissingPolicy: String, CaseIterable, Sendable {
    /// Refuse the input, listing per column how many cells are missing and the first lines.
    case error
    /// Keep the input; every window (training, held-out, readout) that touches a missing cell
    /// is left out, as tigramite's `missing_flag` does.
    case dropWindows = "drop-windows"
}

/// How --data is read: the table options, the missing-data policy and the transforms.
public struct LoadOptions: Sendable {
    public var table = TableOptions()
    public var missing = MissingPolicy.error
    /// Replace every series by its first difference x_t − x_{t−1} (one row fewer per domain).
    public var difference = false
    /// Subtract each column's least-squares line in time, per domain (after --difference).
    public var detrend = false

    public init(table: TableOptions = TableOptions(), missing: MissingPolicy = .error,
                difference: Bool = false, detrend: Bool = false) {
        self.table = table
        self.missing = missing
        self.difference = difference
        self.detrend = detrend
    }
}

/// Reads what the user passed to --data into a validated `Dataset`.
public enum DatasetLoader {
    /// path ends in .csv or .tsv → one domain; .npy → one domain (memory-mapped);
    /// .json → manifest of several domains. `header == false` means CSV files have no
    /// header row (names are then x0, x1, …).
    public static func load(path: String, header: Bool = true) throws -> Dataset {
        try load(path: path, options: LoadOptions(table: TableOptions(header: header)))
    }

    /// Reads `path` with `options`. Throws a `CausewayError` naming the file, line and column
    /// (or the flag) for anything it cannot use.
    public static func load(path: String, options: LoadOptions) throws -> Dataset {
        try requireFile(path)
        var notes: [Diagnostic] = []
        var variables: [String]
        var domains: [DomainData]
        switch fileExtension(path) {
        case "csv", "tsv", "npy":
            let file = try readFile(path, options: options, variables: nil, notes: &notes)
            variables = file.names
            domains = [DomainData(name: baseName(path), path: path, series: file.series, time: file.time)]
            if options.table.columns == nil {
                (variables, domains) = excludeIndexColumns(variables, domains, notes: &notes)
            }
        case "json":
            (variables, domains) = try loadManifest(path: path, options: options, notes: &notes)
        default:
            throw CausewayError("\(path): unsupported file type '.\(fileExtension(path))'; use .csv, .tsv, .npy or a .json manifest")
        }
        if options.difference || options.detrend {
            domains = try domains.map { try transform($0, options: options) }
            notes.append(Diagnostic(kind: .note, columns: [], message: [
                options.difference ? "every series is replaced by its first difference x_t − x_{t−1} (--difference; one row fewer per domain)" : nil,
                options.detrend ? "each column's least-squares line in time is subtracted per domain (--detrend)" : nil,
            ].compactMap { $0 }.joined(separator: "; ")))
        }
        return Dataset(variables: variables, domains: domains, path: path, notes: notes)
    }

    // MARK: - Implementation details

    private struct File {
        var names: [String]
        var series: Series
        var time: TimeAxis?
    }

    /// One CSV/TSV/NPY file: variables (matched to `variables` by name when given), the
    /// time axis, and the missing-cell policy applied.
    private static func readFile(_ file: String, options: LoadOptions, variables: [String]?,
                                 notes: inout [Diagnostic]) throws -> File {
        if fileExtension(file) == "npy" {
            let (all, npyNotes) = try NPYReader.read(path: file)
            notes += npyNotes
            let names = (0..<all.columns).map { "x\($0)" }
            var table = options.table
            if let variables {
                guard all.columns == variables.count else {
                    throw CausewayError("\(file): \(all.columns) columns, but the manifest lists \(variables.count) variables (\(variables.joined(separator: ", "))); NPY columns are matched by position")
                }
                table.columns = nil
                table.dropColumns = []
            }
            let (picked, timeIndex) = try select(names, table, file: file)
            let series = picked == Array(0..<all.columns) ? all : all.selecting(columns: picked)
            let time = try timeIndex.map { j in
                try TimeAxis.read((0..<all.rows).map { "\(all.value($0, j))" }, column: names[j], file: file, firstLine: 0)
            }
            if let g = time?.irregularity(file: file) { notes.append(g) }
            try applyMissingPolicy(series, names: variables ?? picked.map { names[$0] }, file: file, lines: nil, policy: options.missing)
            return File(names: variables ?? picked.map { names[$0] }, series: series, time: time)
        }
        let t = try CSVReader.read(path: file, options: options.table, variables: variables)
        notes += t.notes
        if let variables, t.names == variables {
            let order = t.fileColumns.filter { variables.contains($0) }
            if order != variables {
                notes.append(Diagnostic(kind: .note, columns: [], message: "\(file): columns are in another order (\(order.joined(separator: ", "))); matched to the manifest's variables by name"))
            }
        }
        let time = try t.time.map { try TimeAxis.read($0, column: options.table.timeColumn!, file: file, firstLine: t.firstDataLine) }
        if let g = time?.irregularity(file: file) { notes.append(g) }
        try applyMissingPolicy(t.series, names: t.names, file: file, lines: t.missing, policy: options.missing)
        return File(names: t.names, series: t.series, time: time)
    }

    /// Column indices for --columns/--drop-columns/--time-column over `names` (an NPY file's x0, x1, …).
    private static func select(_ names: [String], _ table: TableOptions, file: String) throws -> (columns: [Int], time: Int?) {
        let position = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        func index(_ name: String, _ flag: String) throws -> Int {
            guard let j = position[name] else {
                throw CausewayError("\(flag) '\(name)': \(file) has no such column (its columns are x0 … x\(names.count - 1))")
            }
            return j
        }
        let time = try table.timeColumn.map { try index($0, "--time-column") }
        var excluded = Set(try table.dropColumns.map { try index($0, "--drop-columns") })
        if let time { excluded.insert(time) }
        let columns = try table.columns.map { try $0.map { try index($0, "--columns") } }
            ?? names.indices.filter { !excluded.contains($0) }
        guard !columns.isEmpty else { throw CausewayError("\(file): no variable columns left to read") }
        return (columns, time)
    }

    /// `--missing error`: one message with every column's count and first lines.
    private static func applyMissingPolicy(_ s: Series, names: [String], file: String,
                                           lines: [CSVReader.MissingCells]?, policy: MissingPolicy) throws {
        guard policy == .error, !s.missingRows.isEmpty else { return }
        let total = s.missingPerColumn.reduce(0, +)
        let columns = s.missingPerColumn.indices.filter { s.missingPerColumn[$0] > 0 }
        var parts: [String] = []
        var first: (line: Int, column: String, text: String)? = nil
        for j in columns {
            if let lines {
                let m = lines[j]
                parts.append("'\(names[j])' \(m.count) (line\(m.first.count == 1 ? "" : "s") \(m.first.map { String($0.line) }.joined(separator: ", "))\(m.count > m.first.count ? ", …" : ""))")
                if let f = m.first.first, first == nil || f.line < first!.line { first = (f.line, names[j], f.text) }
            } else {
                let rows = (0..<s.rows).filter { s.value($0, j).isNaN }
                parts.append("'\(names[j])' \(rows.count) (row\(rows.count == 1 ? "" : "s") \(rows.prefix(5).map(String.init).joined(separator: ", "))\(rows.count > 5 ? ", …" : ""), 0-based)")
            }
        }
        let head = first.map { " (the first: line \($0.line), column '\($0.column)', value '\($0.text)')" } ?? ""
        // a column missing in more than half its rows would cost most windows: leave it out instead
        let mostly = columns.filter { 2 * s.missingPerColumn[$0] > s.rows }
        let remedy = mostly.isEmpty
            ? ". Fill them, or pass --missing drop-windows to leave out every window that touches a missing cell"
            : ". " + Dataset.mostlyMissingText(mostly.map { (names[$0], s.missingPerColumn[$0], s.rows) })
                + (mostly.count < columns.count ? "; fill the other missing cells, or pass --missing drop-windows" : "")
        throw CausewayError("\(file): \(total) missing cell\(total == 1 ? "" : "s") in \(columns.count) column\(columns.count == 1 ? "" : "s")\(head): "
            + parts.joined(separator: "; ") + remedy)
    }

    /// A column that increases at every row is a row index or a time stamp, not a measured
    /// variable: it is left out with a note (--columns keeps it; --time-column uses it).
    private static func excludeIndexColumns(_ variables: [String], _ domains: [DomainData],
                                            notes: inout [Diagnostic]) -> ([String], [DomainData]) {
        guard let d = domains.first, variables.count > 1 else { return (variables, domains) }
        let s = d.series
        guard s.rows >= 10 else { return (variables, domains) }
        var keep: [Int] = [], found: [Diagnostic] = []
        for j in 0..<s.columns {
            var increasing = true
            var prev = s.value(0, j)
            for t in 1..<s.rows {
                let x = s.value(t, j)
                if !(x > prev) { increasing = false; break }
                prev = x
            }
            if !increasing { keep.append(j); continue }
            let step = s.value(1, j) - s.value(0, j)
            let constant = (2..<s.rows).allSatisfy { abs(s.value($0, j) - s.value($0 - 1, j) - step) <= 1e-9 * max(abs(step), 1) }
            found.append(Diagnostic(kind: .indexColumn, columns: [variables[j]], message:
                "\(d.path): column '\(variables[j])' increases at every row (\(s.value(0, j)), \(s.value(1, j)), …\(constant ? " in steps of \(step)" : "")), "
                + "so it looks like a row index or a time stamp, not a measured variable; it is left out. "
                + "Pass --time-column \(variables[j]) to use it as the time index, or --columns to choose the variables yourself"))
        }
        guard keep.count < s.columns else { return (variables, domains) }
        guard !keep.isEmpty else {
            // every column increases: none is an index, and none is left out
            notes.append(Diagnostic(kind: .note, columns: variables, message:
                "\(d.path): every column increases at every row (cumulative counts or time stamps?); none is left out. "
                + "For cumulative series --difference models the increments"))
            return (variables, domains)
        }
        notes += found
        return (keep.map { variables[$0] },
                [DomainData(name: d.name, path: d.path, series: s.selecting(columns: keep), time: d.time)])
    }

    /// --difference, then --detrend, of one domain (NaN stays NaN).
    private static func transform(_ d: DomainData, options: LoadOptions) throws -> DomainData {
        var s = d.series
        if options.difference {
            guard s.rows >= 2 else { throw CausewayError("\(d.path): --difference needs at least 2 rows, the series has \(s.rows)") }
            var v = [Double](repeating: 0, count: (s.rows - 1) * s.columns)
            for t in 1..<s.rows { for j in 0..<s.columns { v[(t - 1) * s.columns + j] = s.value(t, j) - s.value(t - 1, j) } }
            s = Series(rows: s.rows - 1, columns: s.columns, values: v)
        }
        if options.detrend {
            var v = [Double](repeating: 0, count: s.rows * s.columns)
            for j in 0..<s.columns {
                // least-squares line a + b·t over the observed cells
                var n = 0.0, st = 0.0, sx = 0.0, stt = 0.0, stx = 0.0
                for t in 0..<s.rows {
                    let x = s.value(t, j)
                    if x.isNaN { continue }
                    let tt = Double(t)
                    n += 1; st += tt; sx += x; stt += tt * tt; stx += tt * x
                }
                let den = n * stt - st * st
                let b = den > 0 ? (n * stx - st * sx) / den : 0
                let a = n > 0 ? (sx - b * st) / n : 0
                for t in 0..<s.rows { v[t * s.columns + j] = s.value(t, j) - (a + b * Double(t)) }
            }
            s = Series(rows: s.rows, columns: s.columns, values: v)
        }
        return DomainData(name: d.name, path: d.path, series: s, time: d.time)
    }

    private static func loadManifest(path: String, options: LoadOptions, notes: inout [Diagnostic]) throws -> ([String], [DomainData]) {
        let manifest = try Manifest.read(path: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        // --columns / --drop-columns choose among the manifest's variables
        let listed = Set(manifest.variables)
        for name in options.table.columns ?? [] where !listed.contains(name) {
            throw CausewayError("--columns '\(name)': \(path) lists no such variable (variables: \(manifest.variables.joined(separator: ", ")))")
        }
        let variables = (options.table.columns ?? manifest.variables).filter { !options.table.dropColumns.contains($0) }
        var domains: [DomainData] = []
        var byFile: [String: String] = [:]   // resolved file → the first domain reading it
        for d in manifest.domains {
            let file = d.path.hasPrefix("/") ? d.path : folder.appendingPathComponent(d.path).path
            do { try requireFile(file) } catch let e as CausewayError {
                throw CausewayError("\(e.message) (domain '\(d.name)' of \(path))")
            }
            // one recording listed twice would count its windows twice and overstate the evidence
            let key = URL(fileURLWithPath: file).resolvingSymlinksInPath().standardizedFileURL.path
            if let first = byFile[key] {
                throw CausewayError("\(path): domains '\(first)' and '\(d.name)' read the same file \(file); "
                    + "list each recording once (two domains of one file would count its windows twice)")
            }
            byFile[key] = d.name
            guard ["csv", "tsv", "npy"].contains(fileExtension(file)) else {
                throw CausewayError("\(file): unsupported domain file type '.\(fileExtension(file))' in \(path); use .csv, .tsv or .npy")
            }
            var table = options.table
            table.columns = nil
            var f = try readFile(file, options: LoadOptions(table: table, missing: options.missing), variables:
                                    fileExtension(file) == "npy" ? manifest.variables : variables, notes: &notes)
            if fileExtension(file) == "npy", variables != manifest.variables {
                f.series = f.series.selecting(columns: variables.map { manifest.variables.firstIndex(of: $0)! })
            }
            domains.append(DomainData(name: d.name, path: file, series: f.series, time: f.time))
        }
        return (variables, domains)
    }

    private static func requireFile(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw CausewayError("\(path): no such file")
        }
        if isDir.boolValue { throw CausewayError("\(path): is a folder; pass a .csv, .tsv, .npy or manifest .json file") }
    }

    private static func fileExtension(_ path: String) -> String {
        URL(fileURLWithPath: path).pathExtension.lowercased()
    }

    private static func baseName(_ path: String) -> String {
        URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }
}
