import Foundation

/// One method's result on one study cell: a row of `results.csv`.
public struct StudyRow: Equatable, Sendable {
    public var cell: Int
    public var method: String
    public var domainEmbedding: Bool
    public var samples: Int
    public var domains: Int
    public var heterogeneity: String
    public var family: String
    public var seed: UInt64
    public var variables: Int
    public var maxLag: Int
    public var f1Lagged: Double
    public var precisionLagged: Double
    public var recallLagged: Double
    public var f1Summary: Double
    public var aurocLagged: Double?
    public var auprcLagged: Double?
    public var aurocSummary: Double?
    public var shdLagged: Int
    public var wallSeconds: Double
    public var ranks: Int
    public var threads: Int

    public init(cell: StudyCell, grid: StudyGrid, method: StudyMethod, domainEmbedding: Bool, evaluation e: Evaluation,
                wallSeconds: Double, ranks: Int, threads: Int) {
        self.cell = cell.index
        self.method = method.rawValue
        self.domainEmbedding = domainEmbedding
        samples = cell.samples
        domains = cell.domains
        heterogeneity = cell.heterogeneity.rawValue
        family = cell.family.rawValue
        seed = cell.seed
        variables = grid.variables
        maxLag = grid.maxLag
        f1Lagged = e.lagged.f1
        precisionLagged = e.lagged.precision
        recallLagged = e.lagged.recall
        f1Summary = e.summary.f1
        aurocLagged = e.aurocLagged
        auprcLagged = e.auprcLagged
        aurocSummary = e.aurocSummary
        shdLagged = e.shdLagged
        self.wallSeconds = wallSeconds
        self.ranks = ranks
        self.threads = threads
    }

    /// The series a plot draws this row in: the method, plus "+ domain embedding" when used.
    public var variant: String { domainEmbedding ? method + " + domain embedding" : method }

    public static let header = ["cell", "method", "domain_embedding", "samples", "domains", "heterogeneity", "family", "seed",
                                "variables", "max_lag", "f1_lagged", "precision_lagged", "recall_lagged", "f1_summary",
                                "auroc_lagged", "auprc_lagged", "auroc_summary", "shd_lagged", "wall_s", "ranks", "threads"]

    var fields: [String] {
        func num(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "" }
        return [String(cell), method, String(domainEmbedding), String(samples), String(domains), heterogeneity, family,
                String(seed), String(variables), String(maxLag), num(f1Lagged), num(precisionLagged), num(recallLagged),
                num(f1Summary), num(aurocLagged), num(auprcLagged), num(aurocSummary), String(shdLagged),
                String(format: "%.2f", wallSeconds), String(ranks), String(threads)]
    }

    init(fields f: [String], at place: String) throws {
        guard f.count == StudyRow.header.count else {
            throw CausewayError("\(place): \(f.count) fields, expected \(StudyRow.header.count)")
        }
        func int(_ k: Int) throws -> Int {
            guard let v = Int(f[k]) else { throw CausewayError("\(place): \(StudyRow.header[k]) '\(f[k])' is not an integer") }
            return v
        }
        func real(_ k: Int) throws -> Double {
            guard let v = Double(f[k]), v.isFinite else { throw CausewayError("\(place): \(StudyRow.header[k]) '\(f[k])' is not a number") }
            return v
        }
        func optionalReal(_ k: Int) throws -> Double? { f[k].isEmpty ? nil : try real(k) }
        cell = try int(0)
        method = f[1]
        guard let emb = Bool(f[2]) else { throw CausewayError("\(place): domain_embedding '\(f[2])' is not true/false") }
        domainEmbedding = emb
        samples = try int(3); domains = try int(4)
        heterogeneity = f[5]; family = f[6]
        guard let s = UInt64(f[7]) else { throw CausewayError("\(place): seed '\(f[7])' is not an integer") }
        seed = s
        variables = try int(8); maxLag = try int(9)
        f1Lagged = try real(10); precisionLagged = try real(11); recallLagged = try real(12); f1Summary = try real(13)
        aurocLagged = try optionalReal(14); auprcLagged = try optionalReal(15); aurocSummary = try optionalReal(16)
        shdLagged = try int(17); wallSeconds = try real(18); ranks = try int(19); threads = try int(20)
    }
}

/// `results.csv` and the per-cell `rows.csv` files it is merged from (the same layout).
public enum StudyResults {
    public static func csv(_ rows: [StudyRow]) -> String {
        ([StudyRow.header.joined(separator: ",")] + rows.map { $0.fields.joined(separator: ",") }).joined(separator: "\n") + "\n"
    }

    public static func read(path: String) throws -> [StudyRow] {
        let data = try readFileContents(path)
        guard let text = String(data: data, encoding: .utf8) else { throw CausewayError("\(path): not UTF-8 text") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let first = lines.first, first == StudyRow.header.joined(separator: ",") else {
            throw CausewayError("\(path):1: not a study results file (expected the header \(StudyRow.header.joined(separator: ",")))")
        }
        return try lines.dropFirst().enumerated().map { k, line in
            try StudyRow(fields: line.split(separator: ",", omittingEmptySubsequences: false).map(String.init), at: "\(path):\(k + 2)")
        }
    }

    /// Folder of a cell's data, runs and rows, named by the cell's parameters (not its index,
    /// which changes when the grid grows).
    public static func cellDirectory(_ out: String, _ cell: StudyCell) -> String { out + "/cells/" + cell.name }

    /// Fails when the cell folder holds results made with other settings (variables, lags,
    /// run or baseline flags) than `grid` has now; records the settings for a new folder.
    public static func checkSettings(out: String, cell: StudyCell, grid: StudyGrid, record: Bool) throws {
        let dir = cellDirectory(out, cell)
        let path = dir + "/settings.txt"
        if let old = try? String(contentsOfFile: path, encoding: .utf8), old != grid.settingsDescription {
            // a cell whose runs all failed (e.g. on a mistyped [run] flag) holds no result to protect
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            let hasResults = folders.contains { FileManager.default.fileExists(atPath: dir + "/" + $0 + "/row.csv") }
            guard !hasResults else {
                let was = old.split(separator: "\n").map(String.init), now = grid.settingsDescription.split(separator: "\n").map(String.init)
                let changes = zip(was, now).filter { $0 != $1 }.map { "'\($0)' → '\($1)'" }
                    + (was.count == now.count ? [] : ["\(was.count) → \(now.count) settings lines"])
                throw CausewayError("\(path): this cell has results run with other settings (\(changes.joined(separator: "; "))). "
                    + "Use a new --out, or --force to run it again")
            }
            if record { try AtomicFile.write(grid.settingsDescription, to: path) }
        } else if record && !FileManager.default.fileExists(atPath: path) {
            try AtomicFile.write(grid.settingsDescription, to: path)
        }
    }

    /// Every cell's rows in cell order, one per (cell, variant) of the grid, from each variant
    /// folder's row.csv; fails naming what has no results yet.
    public static func merge(out: String, grid: StudyGrid) throws -> [StudyRow] {
        var rows: [StudyRow] = [], missing: [String] = []
        for cell in grid.cells {
            try checkSettings(out: out, cell: cell, grid: grid, record: false)
            for v in grid.variants {
                let path = cellDirectory(out, cell) + "/" + v.folder + "/row.csv"
                if FileManager.default.fileExists(atPath: path) {
                    rows += try read(path: path).map { var r = $0; r.cell = cell.index; return r }
                } else {
                    missing.append("\(cell.index) (\(v.folder))")
                }
            }
        }
        if !missing.isEmpty {
            let total = grid.cells.count * grid.variants.count
            let list = missing.prefix(12).joined(separator: ", ") + (missing.count > 12 ? ", …" : "")
            throw CausewayError("\(out): \(missing.count) of \(total) cell results are missing (cell \(list)); run them with --cell K first")
        }
        return rows
    }
}
