import Foundation

/// Human progress on stderr (throttled to one line every few seconds) and a machine-readable
/// JSON-lines log, one record per validation evaluation.
public final class ProgressReporter {
    let quiet: Bool
    let interval: Double
    private(set) var logHandle: FileHandle?
    var lastPrint = -Double.infinity

    /// Progress goes to stderr (unless `quiet`); the JSON-lines log starts with `openLog`, once
    /// every check that can refuse the run has passed, so a refused run writes no file.
    public init(quiet: Bool, interval: Double = 3) {
        self.quiet = quiet
        self.interval = interval
    }

    /// Starts the JSON-lines training log at `path`: created (or truncated), or appended to when
    /// `append` and the file exists (a resumed run).
    /// - Throws: `CausewayError` naming the file when it cannot be created or opened.
    public func openLog(path: String, append: Bool = false) throws {
        if !append || !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CausewayError("cannot create log file \(path)")
            }
        }
        guard let h = FileHandle(forWritingAtPath: path) else { throw CausewayError("cannot open log file \(path)") }
        h.seekToEndOfFile()
        try? logHandle?.close()
        logHandle = h
    }

    deinit { try? logHandle?.close() }

    public func message(_ text: String) {
        if !quiet { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }

    /// A progress line, printed at most every `interval` seconds unless `force`. `elapsed`:
    /// seconds since this process started training, in which it ran `stepsThisRun` steps (fewer
    /// than `step` after a resume); the ETA is the remaining steps at that pace.
    func progress(step: Int, total: Int, trainLoss: Double?, valLoss: Double?, windowsPerSecond: Double,
                  elapsed: Double, stepsThisRun: Int, force: Bool = false) {
        guard !quiet, force || elapsed - lastPrint >= interval else { return }
        lastPrint = elapsed
        let eta = windowsPerSecond > 0 ? Double(total - step) * elapsed / Double(max(stepsThisRun, 1)) : 0
        var line = "step \(step)/\(total)"
        if let trainLoss { line += String(format: "  train %.4f", trainLoss) }
        if let valLoss, valLoss.isFinite { line += String(format: "  val %.4f", valLoss) }
        line += String(format: "  %.0f windows/s  ETA %@", windowsPerSecond, formatDuration(eta))
        message(line)
    }

    func log(_ record: [String: Any]) {
        guard let logHandle,
              let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) else { return }
        logHandle.write(data + Data("\n".utf8))
    }
}

/// A duration for progress lines: "42s", "3m05s", "2h07m".
public func formatDuration(_ s: Double) -> String {
    let t = Int(s.rounded())
    return t >= 3600 ? "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m"
        : t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
}

/// Throttled progress of one long stage on stderr ("readout: 120/1000 samples (12%), ETA 1m20s"),
/// at most one line every `interval` seconds, and a last line when the stage ends.
public final class StageProgress {
    let label: String, unit: String, quiet: Bool, interval: Double, ranks: Int
    let started = Date()
    var lastPrint: Double

    /// `ranks` > 1: the work is split over that many ranks and the coordinator reports its own
    /// share, which the line says.
    public init(_ label: String, unit: String, quiet: Bool, interval: Double = 5, ranks: Int = 1) {
        self.label = label; self.unit = unit; self.quiet = quiet; self.interval = interval; self.ranks = ranks
        lastPrint = 0
    }

    /// `done` of `total` units finished.
    public func update(_ done: Int, _ total: Int) {
        guard !quiet else { return }
        let elapsed = Date().timeIntervalSince(started)
        let finished = done >= total
        guard finished || elapsed - lastPrint >= interval else { return }
        lastPrint = elapsed
        let share = Double(done) / Double(max(total, 1))
        var line = "\(label): \(done)/\(total) \(unit)" + (ranks > 1 ? " on rank 0 (each of \(ranks) ranks has its share)" : "")
            + " (\(Int((100 * share).rounded()))%)"
        line += finished ? " in \(formatDuration(elapsed))" : ", ETA \(formatDuration(elapsed * (1 - share) / max(share, 1e-9)))"
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
