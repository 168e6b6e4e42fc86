/// Is there enough data for the model? The numbers `Dataset.check` uses, documented in the README.
///
/// A forecast of one target uses L·p inputs (max lag L, p variables). The per-edge tests fit
/// a linear-Gaussian conditional of each input on the other L·p − 1 inputs from the training
/// windows (`GaussianConditional`), which needs more windows than inputs: the floor is L·p + 10
/// (and at least 30). Below `comfortableWindows` the forecaster (about 10⁵ parameters by
/// default) learns little beyond the strongest links, so the run warns.
public enum Adequacy {
    /// Hard floor of training windows: max(30, L·p + 10). Fewer is an error before training.
    public static func minimumWindows(maxLag: Int, variables: Int) -> Int { max(30, maxLag * variables + 10) }
    /// Below max(500, 10·L·p) training windows the run warns that the sample is small.
    public static func comfortableWindows(maxLag: Int, variables: Int) -> Int { max(500, 10 * maxLag * variables) }
    /// With several domains, one shorter than this many rows is named in a warning (and left
    /// out of the between-domain level comparison, `DataDiagnostics.minimumRowsForDomainMean`).
    public static let shortDomainRows = DataDiagnostics.minimumRowsForDomainMean
}

extension Dataset {
    /// Every check that needs the max lag and the validation split, run before training and
    /// before any collective call (the same on every rank, since it only reads the files).
    /// Throws the first failure with the numbers and the remedy; returns the warnings:
    /// - a table with fewer rows than variables looks transposed;
    /// - fewer training windows than `Adequacy.minimumWindows` (windows that touch a missing
    ///   cell do not count);
    /// - a domain too short for one window (`validate`);
    /// - constant and near-constant columns (`Standardizer.nearConstantRatio`), all named at once;
    /// - a warning below `Adequacy.comfortableWindows` training windows;
    /// - with missing cells: how many windows `--missing drop-windows` left out, and any domain
    ///   that lost all of them.
    public func check(maxLag: Int, validationFraction: Double) throws -> [Diagnostic] {
        let p = variables.count
        for d in domains where d.series.rows < p {
            throw CausewayError("\(d.path): \(d.series.rows) rows (time steps) and \(p) columns (variables): fewer rows than variables, so the table looks transposed, "
                + "or the series is far too short for \(p) variables. Causeway reads one row per time step and one column per variable; if your rows "
                + "are variables, transpose the data (numpy: np.save(path, a.T); pandas: df.T.to_csv(path))")
        }
        guard validationFraction >= 0, validationFraction < 1 else {
            throw CausewayError("validation fraction must be in [0, 1), got \(validationFraction)")
        }
        let windows = WindowSet(sources: domains.map(\.series), maxLag: maxLag, validationFraction: validationFraction)
        let train = windows.train.count, heldOut = windows.validation.count
        let rows = domains.reduce(0) { $0 + $1.series.rows }
        let floor = Adequacy.minimumWindows(maxLag: maxLag, variables: p)
        let where_ = domains.count == 1 ? domains[0].path : "\(path) (\(domains.count) domains)"
        var warnings: [Diagnostic] = []
        let dropped = windows.droppedWindows.reduce(0, +)
        if dropped > 0 {
            let kept = Set((windows.train + windows.validation).map { Int($0.domain) })
            let lost = domains.indices.filter { !kept.contains($0) }
            warnings.append(Diagnostic(kind: .dropped, columns: [], message:
                "\(where_): \(dropped) window\(dropped == 1 ? "" : "s") touch a missing cell and are left out (--missing drop-windows); "
                + "\(train) training and \(heldOut) held-out windows remain"
                + (lost.isEmpty ? "" : "; domain\(lost.count == 1 ? "" : "s") " + lost.map { "'\(domains[$0].name)'" }.joined(separator: ", ") + " lost every window")))
        }
        if train < floor {
            let fraction = 1 - validationFraction
            let needed = Int((Double(floor + domains.count * maxLag) / fraction).rounded(.up))
            throw CausewayError("\(where_): \(rows) time steps (rows) × \(p) variables with --max-lag \(maxLag) give \(train) training window\(train == 1 ? "" : "s")"
                + (dropped > 0 ? " (after \(dropped) windows with missing cells were left out)" : "")
                + "; Causeway needs at least \(floor) (max lag × variables + 10, and at least 30), about \(needed) rows. "
                + (dropped > 0 ? mostlyMissingAdvice() : "")
                + "Use a longer series, lower --max-lag, or fewer variables (--columns)")
        }
        try validate(maxLag: maxLag, validationFraction: validationFraction)
        try checkConstantColumns(validationFraction: validationFraction)
        // with several domains, name the very short ones: they add little to training, and
        // --per-domain has too few windows to give them a graph of their own
        let short = domains.count > 1 ? domains.filter { $0.series.rows < Adequacy.shortDomainRows } : []
        if !short.isEmpty {
            warnings.append(Diagnostic(kind: .smallSample, columns: [], message:
                "\(path): domain\(short.count == 1 ? "" : "s") " + short.map { "'\($0.name)' (\($0.series.rows) rows)" }.joined(separator: ", ")
                + " \(short.count == 1 ? "is" : "are") shorter than \(Adequacy.shortDomainRows) rows: \(short.count == 1 ? "it adds" : "they add") "
                + "few training windows, \(short.count == 1 ? "its mean is" : "their means are") left out of the between-domain level check, "
                + "and --per-domain has too few held-out windows to test \(short.count == 1 ? "its" : "their") own edges"))
        }
        let comfortable = Adequacy.comfortableWindows(maxLag: maxLag, variables: p)
        if train < comfortable {
            warnings.append(Diagnostic(kind: .smallSample, columns: [], message:
                "\(where_): small sample: \(train) training and \(heldOut) held-out windows for \(maxLag * p) inputs per forecast "
                + "(\(comfortable) training windows or more is comfortable); expect only the strongest links, and few edges that pass the tests"))
        }
        return warnings
    }

    /// "'x' is missing in N of M rows: leave it out with --drop-columns x. " for the columns
    /// missing in more than half the rows of some domain ("" when none): with --missing
    /// drop-windows such a column costs most windows.
    func mostlyMissingAdvice() -> String {
        var worst: [Int: (missing: Int, rows: Int)] = [:]
        for d in domains {
            for j in 0..<d.series.columns where 2 * d.series.missingPerColumn[j] > d.series.rows {
                let m = d.series.missingPerColumn[j]
                if worst[j].map({ m > $0.missing }) ?? true { worst[j] = (m, d.series.rows) }
            }
        }
        guard !worst.isEmpty else { return "" }
        return Self.mostlyMissingText(worst.keys.sorted().map { (variables[$0], worst[$0]!.missing, worst[$0]!.rows) }) + ". "
    }

    /// "'x' is missing in N of M rows, …: leave it (them) out with --drop-columns x,…".
    static func mostlyMissingText(_ columns: [(name: String, missing: Int, rows: Int)]) -> String {
        columns.map { "'\($0.name)' is missing in \($0.missing) of \($0.rows) rows" }.joined(separator: ", ")
            + ": leave \(columns.count == 1 ? "it" : "them") out with --drop-columns \(columns.map(\.name).joined(separator: ","))"
    }

    /// One error naming every constant or near-constant column of every domain (over its
    /// training rows), with the files.
    func checkConstantColumns(validationFraction: Double) throws {
        var found: [String] = [], names = Set<String>()
        for d in domains {
            let trainRows = WindowSet.trainingRows(rows: d.series.rows, validationFraction: validationFraction)
            var here: [String] = []
            for j in 0..<d.series.columns {
                guard let m = Standardizer.moments(d.series, column: j, rows: trainRows) else {
                    here.append("'\(variables[j])' (fewer than 2 observed training cells)")
                    names.insert(variables[j])
                    continue
                }
                if Standardizer.isNearConstant(std: m.std, magnitude: m.magnitude) {
                    here.append(m.std == 0 ? "'\(variables[j])' (constant \(m.mean))"
                                           : "'\(variables[j])' (near-constant: standard deviation \(String(format: "%.3g", m.std)) at magnitude \(String(format: "%.3g", m.magnitude)))")
                    names.insert(variables[j])
                }
            }
            if !here.isEmpty { found.append("\(d.path): " + here.joined(separator: ", ")) }
        }
        guard !found.isEmpty else { return }
        let list = variables.filter { names.contains($0) }
        throw CausewayError("constant or near-constant column\(list.count == 1 ? "" : "s") over the training rows, which carry no signal to learn from: "
            + found.joined(separator: "; ") + ". Leave \(list.count == 1 ? "it" : "them") out with --drop-columns \(list.joined(separator: ","))"
            + (domains.count > 1 && found.count < domains.count
               ? " (for every domain), or leave out of the manifest the domain\(found.count == 1 ? "" : "s") named here, whose other columns can stay" : ""))
    }
}
