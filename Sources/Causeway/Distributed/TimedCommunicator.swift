import Foundation

/// A communicator that forwards to another and adds up the wall time spent in its
/// collectives (for the scaling benchmark's all-reduce share of the step time).
public final class TimedCommunicator: Communicator {
    public let inner: Communicator
    public private(set) var seconds = 0.0
    public private(set) var calls = 0

    public init(_ inner: Communicator) { self.inner = inner }

    public var rank: Int { inner.rank }
    public var size: Int { inner.size }

    private func timed<T>(_ body: () -> T) -> T {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let r = body()
        seconds += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        calls += 1
        return r
    }

    public func reset() { seconds = 0; calls = 0 }
    public func barrier() { timed { inner.barrier() } }
    public func broadcast(_ buffer: UnsafeMutablePointer<Float>, count: Int, root: Int) {
        timed { inner.broadcast(buffer, count: count, root: root) }
    }
    public func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) { timed { inner.allReduceSum(buffer, count: count) } }
    public func allReduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int) { timed { inner.allReduceSum(buffer, count: count) } }
    public func startAllReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        timed { inner.startAllReduceSum(buffer, count: count) }
    }
    public func waitAll() { timed { inner.waitAll() } }
    public func allReduceMax(_ value: Int32) -> Int32 { timed { inner.allReduceMax(value) } }
    public func gatherV(_ values: [Float], root: Int) -> [[Float]]? { timed { inner.gatherV(values, root: root) } }
    public func abort(_ code: Int32) -> Never { inner.abort(code) }
}
