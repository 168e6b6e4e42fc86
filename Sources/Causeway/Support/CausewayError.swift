/// The one error type users see. `message` is a complete sentence that names the
/// file (and line/column) or the flag at fault; the CLI prints it and exits non-zero.
public struct CausewayError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
