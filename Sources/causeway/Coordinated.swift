import ArgumentParser
import Causeway
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command's work on every MPI rank (size 1 without mpirun). A rank that hits an error
/// prints `rank N: <message>` and aborts the whole job, so no peer waits for it; in a single
/// process the error goes back to the argument parser (message, exit code 1).
func coordinated(_ body: (Communicator) throws -> Void) throws {
    let world = MPICommunicator.world
    do {
        try body(world)
    } catch is StopSignalExit {
        // every rank stopped at the same step; the coordinator wrote the checkpoint
        world.finalize()
        throw ExitCode(StopSignal.exitCode)
    } catch {
        guard world.size > 1 else { throw error }
        fputs("rank \(world.rank): \(error)\n", stderr)
        fflush(stderr)
        usleep(300_000)   // let the launcher forward the message before the abort tears the job down
        world.abort(1)
    }
    world.finalize()
}

/// Thrown by a command whose training a stop signal ended (after the checkpoint).
struct StopSignalExit: Error {}
