import Foundation

/// One evaluation point of a training run (a line of `train_log.jsonl`).
public typealias TrainingPoint = (step: Int, trainLoss: Double, valLoss: Double?)

/// Reads the JSON-lines training log written by `ProgressReporter` into the report's loss curve.
public enum TrainingLogReader {
    /// Each non-blank line is a JSON object with an integer `step`, a number `train_loss` and
    /// `val_loss` (a number, or null / absent when there is no validation set); other keys are
    /// ignored. Points are returned in file order (a resumed run appends to the same file).
    /// - Throws: `CausewayError` naming the file (and the 1-based line for a bad record).
    public static func read(path: String) throws -> [TrainingPoint] {
        let data = try readFileContents(path, label: "training log")
        guard let text = String(data: data, encoding: .utf8) else {
            throw CausewayError("training log \(path) is not UTF-8 text")
        }
        var points: [TrainingPoint] = []
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let at = "training log \(path), line \(n + 1)"
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)),
                  let record = object as? [String: Any] else {
                throw CausewayError("\(at): not a JSON object")
            }
            guard let stepNumber = record["step"] as? NSNumber, let step = Int(exactly: stepNumber.doubleValue) else {
                throw CausewayError("\(at): missing or non-integer \"step\"")
            }
            guard let train = (record["train_loss"] as? NSNumber)?.doubleValue else {
                throw CausewayError("\(at): missing or non-numeric \"train_loss\"")
            }
            var val: Double? = nil
            if let v = record["val_loss"], !(v is NSNull) {
                guard let number = (v as? NSNumber)?.doubleValue else {
                    throw CausewayError("\(at): \"val_loss\" must be a number or null")
                }
                val = number
            }
            points.append((step, train, val))
        }
        return points
    }
}
