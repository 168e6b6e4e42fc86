import Foundation
import Testing
@testable import Causeway

/// A fresh folder under the system temp dir, removed when the value is released.
final class TempFolder {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "causeway-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` inside the folder and returns the full path.
    @discardableResult
    func file(_ name: String, _ text: String) -> String {
        let p = path + "/" + name
        try! Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    @discardableResult
    func file(_ name: String, data: Data) -> String {
        let p = path + "/" + name
        try! data.write(to: URL(fileURLWithPath: p))
        return p
    }
}

/// Expects `body` to throw a CausewayError whose message contains every fragment.
func expectError(_ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation,
                 _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an error containing \(fragments)", sourceLocation: sourceLocation)
    } catch let e as CausewayError {
        for f in fragments where !e.message.contains(f) {
            Issue.record("error '\(e.message)' does not contain '\(f)'", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
    }
}
