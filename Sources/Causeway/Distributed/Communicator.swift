/// The collective operations the rest of Causeway calls. One protocol, so a single process
/// (size 1) takes the same code path as an MPI job; rank 0 is the coordinator.
public protocol Communicator: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    func barrier()
    /// Copies `count` floats from `root` to every rank.
    func broadcast(_ buffer: UnsafeMutablePointer<Float>, count: Int, root: Int)
    /// In-place element-wise sum over ranks.
    func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int)
    func allReduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int)
    /// Starts a non-blocking in-place sum over ranks of `count` floats; `waitAll` completes
    /// every started one. The buffer must not be touched in between.
    func startAllReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int)
    func waitAll()
    /// Maximum of one value over ranks (used to agree on flags: errors, stop signals).
    func allReduceMax(_ value: Int32) -> Int32
    /// Every rank's `values` (lengths may differ), concatenated in rank order, on `root`
    /// (nil on the other ranks).
    func gatherV(_ values: [Float], root: Int) -> [[Float]]?
    /// Ends the whole job at once (every rank), with `code` as exit status.
    func abort(_ code: Int32) -> Never
}

extension Communicator {
    public var isCoordinator: Bool { rank == 0 }

    /// The contiguous share of `n` items this rank owns (see `ShareOf`).
    public func share(of n: Int) -> (start: Int, count: Int) { ShareOf(rank: rank, size: size).share(of: n) }
}

/// How `n` items are split over `size` ranks: contiguous, in rank order, as evenly as possible
/// (the first n mod size ranks get one more).
public struct ShareOf: Sendable {
    public let rank: Int, size: Int
    public func share(of n: Int) -> (start: Int, count: Int) {
        let base = n / size, extra = n % size
        return (rank * base + min(rank, extra), base + (rank < extra ? 1 : 0))
    }
}
