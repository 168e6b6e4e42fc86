#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM / SIGUSR1 (what SLURM sends before a time limit, Hydra forwards to every rank) and
/// SIGINT set a flag; the trainer all-reduces it (MAX) once per step, so every rank stops at the
/// same step and the coordinator writes a checkpoint. Ranks may see the signal at different
/// steps; the all-reduce makes them agree.
public enum StopSignal {
    /// Exit status of a run stopped by a signal after writing its checkpoint (EX_TEMPFAIL).
    public static let exitCode: Int32 = 75

    nonisolated(unsafe) private static let flag: UnsafeMutablePointer<sig_atomic_t> = {
        let p = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()

    /// Installs the handlers and unblocks the signals (a launcher may start ranks with them
    /// blocked). Idempotent.
    public static func install() {
        _ = flag
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGTERM, SIGUSR1, SIGINT] {
            signal(s) { _ in StopSignal.raise() }
            sigaddset(&set, s)
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// What the handler does; also callable directly (tests).
    public static func raise() { flag.pointee = 1 }

    public static var isRaised: Bool { flag.pointee != 0 }

    public static func reset() { flag.pointee = 0 }
}
