/// Anything that yields rows of a [rows, columns] series (a domain's data).
public protocol RowSource: AnyObject {
    var rows: Int { get }
    var columns: Int { get }
    /// Rows with at least one missing cell, ascending; no window may touch them.
    var missingRows: [Int] { get }
    /// Row t z-scored, (x − mean[j]) · invStd[j] in float64, rounded to Float into `dst` ([columns]).
    func copyStandardizedRow(_ t: Int, mean: UnsafePointer<Double>, invStd: UnsafePointer<Double>,
                             into dst: UnsafeMutablePointer<Float>)
}

/// A window is L + 1 consecutive rows of one domain: rows start ..< start+L are the input,
/// rows start+1 ... start+L the targets. Windows never cross domain boundaries.
public struct WindowRef: Equatable, Sendable {
    public let domain: Int32
    public let start: Int32
}

/// The training and validation windows of a multi-domain dataset, z-scored on the fly.
///
/// Validation = the last `validationFraction` of every domain (by time): a window is a
/// validation window when its final target row lies in that tail, and its loss is taken at the
/// final position only (no held-out row is ever a training target). Training windows lie wholly
/// before the tail. A window that touches a row with a missing cell is left out of both
/// (`droppedWindows` counts them per domain), so no NaN ever reaches the model.
public final class WindowSet {
    public let sources: [RowSource]
    public let maxLag: Int
    public let variables: Int
    public let train: [WindowRef]
    public let validation: [WindowRef]
    /// Per domain: training rows (the rest is validation).
    public let trainRows: [Int]
    /// Per domain: windows left out because they touch a missing cell (training + validation).
    public let droppedWindows: [Int]
    let mean: [[Double]]      // [domains][p]
    let invStd: [[Double]]    // [domains][p]

    /// `mean`/`invStd`: per-domain standardisation (nil = identity).
    public init(sources: [RowSource], maxLag: Int, validationFraction: Double,
                mean: [[Double]]? = nil, invStd: [[Double]]? = nil) {
        precondition(!sources.isEmpty)
        let p = sources[0].columns
        self.sources = sources
        self.maxLag = maxLag
        self.variables = p
        self.mean = mean ?? sources.map { _ in [Double](repeating: 0, count: p) }
        self.invStd = invStd ?? sources.map { _ in [Double](repeating: 1, count: p) }
        var train: [WindowRef] = [], val: [WindowRef] = [], trainRows: [Int] = [], dropped: [Int] = []
        for (d, s) in sources.enumerated() {
            let split = WindowSet.trainingRows(rows: s.rows, validationFraction: validationFraction)
            trainRows.append(split)
            // a window [start, start + L] is complete when no missing row lies in it
            var missingBefore = [Int](repeating: 0, count: s.rows + 1)   // missing rows in 0..<t
            var isMissing = [Bool](repeating: false, count: s.rows)
            for t in s.missingRows { isMissing[t] = true }
            for t in 0..<s.rows { missingBefore[t + 1] = missingBefore[t] + (isMissing[t] ? 1 : 0) }
            let complete = { (st: Int) in missingBefore[st + maxLag + 1] == missingBefore[st] }
            var lost = 0
            // train: start + L ≤ split − 1;  validation: split ≤ start + L ≤ rows − 1
            if split - maxLag - 1 >= 0 {
                for st in 0...(split - maxLag - 1) {
                    if complete(st) { train.append(WindowRef(domain: Int32(d), start: Int32(st))) } else { lost += 1 }
                }
            }
            let lo = max(0, split - maxLag), hi = s.rows - maxLag - 1
            if hi >= lo {
                for st in lo...hi {
                    if complete(st) { val.append(WindowRef(domain: Int32(d), start: Int32(st))) } else { lost += 1 }
                }
            }
            dropped.append(lost)
        }
        self.train = train
        self.validation = val
        self.trainRows = trainRows
        self.droppedWindows = dropped
    }

    /// Validation windows of a domain of `rows` rows (the count `init` makes), for checks
    /// before any window is built.
    public static func validationWindowCount(rows: Int, maxLag: Int, validationFraction: Double) -> Int {
        let split = trainingRows(rows: rows, validationFraction: validationFraction)
        let lo = max(0, split - maxLag), hi = rows - maxLag - 1
        return hi >= lo ? hi - lo + 1 : 0
    }

    /// Rows of a domain used for training; the same rule as `Dataset.validate`.
    public static func trainingRows(rows: Int, validationFraction: Double) -> Int {
        rows - Dataset.validationRows(rows, validationFraction: validationFraction)
    }

    /// Writes the window's L+1 standardised rows: inputs [L, p] to `input` and targets [L, p]
    /// (the same rows shifted by one step) to `target`. Both layouts are the model's [T, f]
    /// token layout for either tokenization. Safe to call from several threads at once.
    public func fill(_ w: WindowRef, input: UnsafeMutablePointer<Float>, target: UnsafeMutablePointer<Float>) {
        let d = Int(w.domain), p = variables, src = sources[d]
        withUnsafeTemporaryAllocation(of: Float.self, capacity: p) { buffer in
            let row = buffer.baseAddress!
            for r in 0...maxLag {
                mean[d].withUnsafeBufferPointer { m in
                    invStd[d].withUnsafeBufferPointer { s in
                        src.copyStandardizedRow(Int(w.start) + r, mean: m.baseAddress!, invStd: s.baseAddress!, into: row)
                    }
                }
                if r < maxLag { (input + r * p).update(from: row, count: p) }
                if r > 0 { (target + (r - 1) * p).update(from: row, count: p) }
            }
        }
    }
}

extension Series: RowSource {}

/// `count` elements spread evenly over `all` (all of them when `count` ≥ `all.count`).
func evenlySpaced<T>(_ all: [T], count: Int) -> [T] {
    let m = min(count, all.count)
    return (0..<m).map { all[$0 * all.count / m] }
}
