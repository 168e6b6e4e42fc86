import ArgumentParser
import Causeway
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command's work on every MPI rank (size 1 without mpirun).
///
/// Errors found by the input checks (`InputAgreement`): every rank learns that some rank
/// failed, the lowest failing rank prints its error once, and every rank ends with exit status
/// 1 — no abort, so `srun` reports 1 too (not a killed step). Any later error: the rank prints
/// `rank N: <message>` and aborts the whole job, so no peer waits for it. In a single process
/// every error goes back to the argument parser (message, exit code 1).
/// `checking`: the body starts with its input checks (it calls `agreement.passed()` before its
/// first collective call); false for a body that opens its own check phases (`begin()`).
func coordinated(checking: Bool = true, _ body: (Communicator, InputAgreement) throws -> Void) throws {
    let world = MPICommunicator.world
    let agreement = InputAgreement(world: world, open: checking)
    do {
        try body(world, agreement)
    } catch is StopSignalExit {
        // every rank stopped at the same step; the coordinator wrote the checkpoint
        world.finalize()
        throw ExitCode(StopSignal.exitCode)
    } catch is PeerInputError {
        world.finalize()   // another rank printed the error
        throw ExitCode.failure
    } catch let error as CollectiveError where world.size > 1 {
        // every rank raised it at the same step: one message, no abort
        if world.isCoordinator { fputs("Error: \(error)\n", stderr) }
        world.finalize()
        throw ExitCode.failure
    } catch {
        guard world.size > 1 else { throw error }
        if agreement.isOpen {
            if agreement.failed() { fputs("Error: \(error)\n", stderr) }
            world.finalize()
            throw ExitCode.failure
        }
        fputs("rank \(world.rank): \(error)\n", stderr)
        fflush(stderr)
        usleep(300_000)   // let the launcher forward the message before the abort tears the job down
        world.abort(1)
    }
    world.finalize()
}

/// The point where the ranks agree that every input check passed, before any collective call.
/// Between `begin()` (or the start of `coordinated`) and `passed()` a rank makes no collective
/// call, so a rank whose check fails can meet the others at this one and no rank hangs.
final class InputAgreement {
    let world: Communicator
    private(set) var isOpen: Bool

    init(world: Communicator, open: Bool) {
        self.world = world
        isOpen = open
    }

    /// Opens a check phase; every rank calls it at the same point.
    func begin() { isOpen = true }

    /// This rank's checks passed. Returns when every rank's did.
    /// - Throws: `PeerInputError` when another rank's failed (that rank prints the error).
    func passed() throws {
        guard isOpen else { return }
        isOpen = false
        guard world.size > 1 else { return }
        if world.allReduceMax(0) != 0 {
            _ = world.allReduceMax(0)   // the failing ranks pick which one prints
            throw PeerInputError()
        }
    }

    /// This rank's checks failed: tells the others (who are in, or will reach, `passed()`).
    /// Returns whether this rank is the lowest failing one, which prints the error.
    func failed() -> Bool {
        isOpen = false
        _ = world.allReduceMax(1)
        let lowest = world.size - Int(world.allReduceMax(Int32(world.size - world.rank)))
        return lowest == world.rank
    }
}

/// Thrown on a rank whose own checks passed when another rank's failed.
struct PeerInputError: Error {}

/// Thrown by a command whose training a stop signal ended (after the checkpoint).
struct StopSignalExit: Error {}
