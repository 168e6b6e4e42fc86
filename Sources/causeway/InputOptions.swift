import ArgumentParser
import Foundation
import Causeway

extension MissingPolicy: ExpressibleByArgument {}

/// The data and output flags shared by `run` and `discover`.
struct InputOptions: ParsableArguments {
    @Option(help: "Input: a CSV or TSV file, an NPY file [T, p] (float or integer), or a manifest JSON of several domains.")
    var data: String
    @Flag(name: .customLong("no-header"), help: "The CSV files have no header row (variables are named x0, x1, …).")
    var noHeader = false
    @Option(help: "Field separator of CSV files: ',', ';' or tab (default: detected from the first line; tab for .tsv).")
    var delimiter: String?
    @Option(name: .customLong("time-column"), help: "Column of time stamps (ISO 8601 dates/times or numbers): checked for order and gaps, used as labels, never a variable.")
    var timeColumn: String?
    @Option(help: "Comma-separated variables to use, in this order (default: every numeric column except row indices).")
    var columns: String?
    @Option(name: .customLong("drop-columns"), help: "Comma-separated columns to leave out (they need not be numeric).")
    var dropColumns: String?
    @Option(help: "Missing cells (empty, NA, NaN): error (list them and stop) or drop-windows (leave out every window that touches one).")
    var missing: MissingPolicy = .error
    @Flag(help: "Use first differences x_t − x_{t−1} of every series (for unit-root, random-walk data).")
    var difference = false
    @Flag(help: "Subtract each column's least-squares line in time, per domain (for trending data).")
    var detrend = false
    @Option(help: "Output folder (created if missing; one that holds an earlier run's results is refused unless --overwrite).")
    var out: String
    @Flag(help: "Replace the results of an earlier run in --out.")
    var overwrite = false

    func validate() throws {
        _ = try loadOptions()
    }

    /// The flags as `LoadOptions`; throws a ValidationError naming the flag.
    func loadOptions() throws -> LoadOptions {
        var table = TableOptions(header: !noHeader, timeColumn: timeColumn)
        if let delimiter {
            switch delimiter {
            case ",", "comma": table.delimiter = UInt8(ascii: ",")
            case ";", "semicolon": table.delimiter = UInt8(ascii: ";")
            case "\t", "\\t", "tab": table.delimiter = UInt8(ascii: "\t")
            default: throw ValidationError("--delimiter must be ',', ';' or tab (got '\(delimiter)')")
            }
        }
        func names(_ list: String?, _ flag: String) throws -> [String]? {
            guard let list else { return nil }
            let parts = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.contains(where: \.isEmpty) { throw ValidationError("\(flag) has an empty name in '\(list)'; give comma-separated column names") }
            if Set(parts).count != parts.count { throw ValidationError("\(flag) names a column twice in '\(list)'") }
            return parts
        }
        table.columns = try names(columns, "--columns")
        table.dropColumns = try names(dropColumns, "--drop-columns") ?? []
        if let c = table.columns, let both = c.first(where: table.dropColumns.contains) {
            throw ValidationError("'\(both)' is in both --columns and --drop-columns")
        }
        return LoadOptions(table: table, missing: missing, difference: difference, detrend: detrend)
    }

    func loadDataset() throws -> Dataset {
        let options: LoadOptions
        do { options = try loadOptions() } catch let e as ValidationError { throw CausewayError(e.message) }
        return try DatasetLoader.load(path: data, options: options)
    }
}

extension InputOptions {
    /// The files a run or discover writes at the top of --out (docs/outputs.md).
    static let outputFiles = ["graph.json", "scores.npy", "pvalues.npy", "qvalues.npy", "impact.npy", "adjacency.csv",
                              "graph.dot", "graph.npz", "graph.graphml", "report.html", "metrics.json",
                              "train_log.jsonl", "checkpoint.cwck"]

    /// The result files of an earlier run in --out (none when the folder is missing), without
    /// `inputs` (files the command reads: discover's checkpoint and training log). A training log
    /// alone is not a result: it is what a run interrupted before its first checkpoint leaves
    /// (a killed or preempted job), and its rerun must not be refused.
    /// - Throws: `CausewayError` when --out is a file.
    func earlierResults(inputs: Set<String> = []) throws -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: out, isDirectory: &isFolder) else { return [] }
        guard isFolder.boolValue else { throw CausewayError("--out \(out): is a file, not a folder") }
        let found = Self.outputFiles.filter { !inputs.contains($0) && FileManager.default.fileExists(atPath: out + "/" + $0) }
        return found == ["train_log.jsonl"] ? [] : found
    }

    /// Refuses, before any work, an --out that is a file, lies under a file, or holds an earlier
    /// run's results (unless --overwrite; a resumed run may continue in its checkpoint's own
    /// folder, `resumingFrom`, and nowhere else that holds results). Writes nothing.
    /// - Throws: `CausewayError` naming the folder and the files found.
    func checkOut(resumingFrom checkpoint: String? = nil, inputs: Set<String> = []) throws {
        // a file where a folder of the path should be: refused now, not after training
        if let file = AtomicFile.fileInPath(URL(fileURLWithPath: out).deletingLastPathComponent().path) {
            throw CausewayError("--out \(out): \(file) is a file, not a folder")
        }
        let found = try earlierResults(inputs: inputs)
        guard !found.isEmpty && !overwrite else { return }
        let files = found.prefix(4).joined(separator: ", ") + (found.count > 4 ? ", …" : "")
        if let checkpoint {
            if resumesInPlace(checkpoint) { return }   // training continues in the checkpoint's own folder
            throw CausewayError("--out \(out): holds the results of another run (\(files)); a resumed run continues in its "
                + "checkpoint's own folder (\(URL(fileURLWithPath: checkpoint).deletingLastPathComponent().path)) or in a new one; "
                + "pass --overwrite to replace them")
        }
        let stopped = found.contains("checkpoint.cwck") && !found.contains("graph.json")
        throw CausewayError("--out \(out): holds the results of an earlier run (\(files)); "
            + (stopped ? "its training stopped before the readout: continue it with --resume \(out)/checkpoint.cwck, or " : "")
            + "pass --overwrite to replace them, or choose another folder")
    }

    /// Creates --out on the coordinator, once every check has passed (`checkOut` first). With
    /// --overwrite an earlier run's result files are removed, so no stale file is left beside the
    /// new ones; `resuming` keeps them (training continues in the folder).
    /// - Throws: `CausewayError` naming the folder, as `checkOut`, or when it cannot be created.
    func prepareOut(resumingFrom checkpoint: String? = nil, inputs: Set<String> = []) throws {
        try checkOut(resumingFrom: checkpoint, inputs: inputs)
        let found = try earlierResults(inputs: inputs)
        // a run resumed in place keeps its folder (the log goes on); elsewhere, --overwrite
        // replaces the earlier run as for a fresh one
        if !(checkpoint.map(resumesInPlace) ?? false) && !found.isEmpty {
            for name in found { try FileManager.default.removeItem(atPath: out + "/" + name) }
            try removeEarlierPerDomainResults()
        }
        try AtomicFile.makeDirectory(out)
    }

    /// Whether --out is the folder of `checkpoint` (a resumed run continues there).
    func resumesInPlace(_ checkpoint: String) -> Bool {
        let own = URL(fileURLWithPath: checkpoint).resolvingSymlinksInPath().deletingLastPathComponent().standardizedFileURL.path
        return own == URL(fileURLWithPath: out).resolvingSymlinksInPath().standardizedFileURL.path
    }

    /// The files an earlier --per-domain run wrote in OUT/domains/*/ (they would no longer match
    /// the new run), in the folders whose graph.json is a per-domain graph (its provenance names
    /// the domain); a folder left empty goes too. Other files and folders are the user's and stay.
    static let perDomainFiles = ["scores.npy", "pvalues.npy", "graph.json", "adjacency.csv", "metrics.json"]

    func removeEarlierPerDomainResults() throws {
        let fm = FileManager.default, root = out + "/domains"
        guard let folders = try? fm.contentsOfDirectory(atPath: root) else { return }
        for folder in folders {
            let dir = root + "/" + folder
            var isFolder: ObjCBool = false
            guard fm.fileExists(atPath: dir, isDirectory: &isFolder), isFolder.boolValue,
                  let data = fm.contents(atPath: dir + "/graph.json"),
                  let graph = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  (graph["provenance"] as? [String: Any])?["domain"] is String else { continue }
            for name in Self.perDomainFiles where fm.fileExists(atPath: dir + "/" + name) { try fm.removeItem(atPath: dir + "/" + name) }
            if (try? fm.contentsOfDirectory(atPath: dir))?.isEmpty == true { try fm.removeItem(atPath: dir) }
        }
        if (try? fm.contentsOfDirectory(atPath: root))?.isEmpty == true { try fm.removeItem(atPath: root) }
    }

    /// The input checks of `Dataset.check` and the data diagnostics, run on every rank before
    /// any collective call; returns the loader's notes and every warning, in order.
    func check(_ dataset: Dataset, maxLag: Int, validationFraction: Double) throws -> [Diagnostic] {
        var all = dataset.notes
        all += try dataset.check(maxLag: maxLag, validationFraction: validationFraction)
        all += DataDiagnostics.run(dataset: dataset, maxLag: maxLag)
        return all
    }

    /// Prints the diagnostics on stderr: notes as "note:", the rest as "warning:".
    func print(_ diagnostics: [Diagnostic], quiet: Bool) {
        for d in diagnostics where !(quiet && d.kind == .note) {
            FileHandle.standardError.write(Data("\(d.kind == .note ? "note" : "warning"): \(d.message)\n".utf8))
        }
    }
}
