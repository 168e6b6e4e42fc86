import Foundation

/// Reads a whole file; the error names it ("<label> <path> does not exist" / "cannot be read").
func readFileContents(_ path: String, label: String? = nil) throws -> Data {
    do {
        return try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
        throw CausewayError("\(label.map { $0 + " " } ?? "")\(path) \(reason)")
    }
}
