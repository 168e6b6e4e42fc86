import CMPICH
#if canImport(Glibc)
import Glibc
#endif

/// MPI_COMM_WORLD through MPICH. MPI is initialised once per process (funneled: only the
/// thread that initialised it calls MPI) and never restarted; without mpirun it runs as a
/// singleton of size 1.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    private var pending: [MPI_Request] = []

    /// The world communicator, initialising MPI on first use.
    public static let world = MPICommunicator()

    private init() {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            var provided: Int32 = 0
            MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        }
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(MPI_COMM_WORLD, &r)
        MPI_Comm_size(MPI_COMM_WORLD, &s)
        rank = Int(r)
        size = Int(s)
    }

    /// Finalises MPI (call once, at normal exit).
    public func finalize() {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if finalized == 0 { MPI_Finalize() }
    }

    public func barrier() { MPI_Barrier(MPI_COMM_WORLD) }

    public func broadcast(_ buffer: UnsafeMutablePointer<Float>, count: Int, root: Int) {
        guard size > 1 else { return }
        MPI_Bcast(buffer, Int32(count), MPI_FLOAT, Int32(root), MPI_COMM_WORLD)
    }

    public func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        guard size > 1 else { return }
        MPI_Allreduce(causeway_mpi_in_place(), buffer, Int32(count), MPI_FLOAT, causeway_mpi_sum(), MPI_COMM_WORLD)
    }

    public func allReduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int) {
        guard size > 1 else { return }
        MPI_Allreduce(causeway_mpi_in_place(), buffer, Int32(count), MPI_DOUBLE, causeway_mpi_sum(), MPI_COMM_WORLD)
    }

    public func startAllReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        guard size > 1 else { return }
        var request = MPI_Request()
        MPI_Iallreduce(causeway_mpi_in_place(), buffer, Int32(count), MPI_FLOAT, causeway_mpi_sum(), MPI_COMM_WORLD, &request)
        pending.append(request)
    }

    public func waitAll() {
        guard !pending.isEmpty else { return }
        MPI_Waitall(Int32(pending.count), &pending, causeway_mpi_statuses_ignore())
        pending.removeAll(keepingCapacity: true)
    }

    public func allReduceMax(_ value: Int32) -> Int32 {
        guard size > 1 else { return value }
        var v = value
        MPI_Allreduce(causeway_mpi_in_place(), &v, 1, MPI_INT, causeway_mpi_max(), MPI_COMM_WORLD)
        return v
    }

    public func gatherV(_ values: [Float], root: Int) -> [[Float]]? {
        guard size > 1 else { return [values] }
        var counts = [Int32](repeating: 0, count: size)
        var mine = Int32(values.count)
        MPI_Gather(&mine, 1, MPI_INT, &counts, 1, MPI_INT, Int32(root), MPI_COMM_WORLD)
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<size { displacements[r] = displacements[r - 1] + counts[r - 1] }
        var all = [Float](repeating: 0, count: rank == root ? Int(counts.reduce(0, +)) : 0)
        var send = values
        MPI_Gatherv(&send, mine, MPI_FLOAT, &all, &counts, &displacements, MPI_FLOAT, Int32(root), MPI_COMM_WORLD)
        guard rank == root else { return nil }
        return (0..<size).map { r in Array(all[Int(displacements[r])..<Int(displacements[r] + counts[r])]) }
    }

    public func abort(_ code: Int32) -> Never {
        MPI_Abort(MPI_COMM_WORLD, code)
        exit(code)   // not reached: MPI_Abort ends the job
    }
}
