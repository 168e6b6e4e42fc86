/// The one error type users see. `message` is a complete sentence that names the
/// file (and line/column) or the flag at fault; the CLI prints it and exits non-zero.
public struct CausewayError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An error every MPI rank raises at the same point, from values they all hold after the same
/// collective call (a diverged all-reduced loss): the job can end with one message and status 1
/// instead of an abort.
public struct CollectiveError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
