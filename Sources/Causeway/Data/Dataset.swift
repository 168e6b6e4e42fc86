/// One domain: a contiguous series (a subject, a session, a regime) read from one file.
public struct DomainData: Sendable {
    public let name: String
    /// The file the series was read from (as resolved by the loader).
    public let path: String
    /// [rows, p] values in the dataset's variable order; NaN = missing cell.
    public let series: Series
    /// From --time-column, when given.
    public let time: TimeAxis?

    public init(name: String, path: String, series: Series, time: TimeAxis? = nil) {
        self.name = name
        self.path = path
        self.series = series
        self.time = time
    }
}

/// Validated input: every domain has the same variables, in the same order.
public struct Dataset: Sendable {
    public let variables: [String]
    public let domains: [DomainData]
    /// What the user passed to --data.
    public let path: String
    /// What loading decided or noticed (columns excluded, reordered, a detected delimiter,
    /// integer arrays converted, irregular time steps); printed and stored with the outputs.
    public let notes: [Diagnostic]

    public init(variables: [String], domains: [DomainData], path: String, notes: [Diagnostic] = []) {
        self.variables = variables
        self.domains = domains
        self.path = path
        self.notes = notes
    }
}

extension Dataset {
    /// Validation rows of a domain with `rows` rows: the last
    /// `Int((Double(rows) * validationFraction).rounded())` rows.
    public static func validationRows(_ rows: Int, validationFraction: Double) -> Int {
        Int((Double(rows) * validationFraction).rounded())
    }

    /// Throws if any domain has fewer than `maxLag + 2` rows in its training part
    /// (training rows = rows - validation rows), naming the domain file, its row count
    /// and the flag --max-lag.
    public func validate(maxLag: Int, validationFraction: Double) throws {
        guard validationFraction >= 0, validationFraction < 1 else {
            throw CausewayError("validation fraction must be in [0, 1), got \(validationFraction)")
        }
        let needed = maxLag + 2
        for d in domains {
            let rows = d.series.rows
            let train = rows - Dataset.validationRows(rows, validationFraction: validationFraction)
            if train < needed {
                throw CausewayError(
                    "\(d.path): domain '\(d.name)' has \(rows) rows, of which \(train) are training rows "
                    + "(validation fraction \(validationFraction)); --max-lag \(maxLag) needs at least "
                    + "\(needed) training rows. Lower --max-lag or use a longer series.")
            }
        }
    }
}
