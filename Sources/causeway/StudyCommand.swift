import ArgumentParser
import Causeway
import Foundation

/// `causeway study`: the scale study over a grid of generated datasets.
struct Study: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Run a scale study: generate each grid cell's data, run every method on it, collect results.csv and study.html.",
        discussion: """
            The grid (TOML) crosses samples per domain × domains × heterogeneity × family × seeds; \
            see docs/heterogeneity.md and examples/study-*.toml. Each cell writes OUT/cells/NAME/ \
            (data/, one folder per method with its row.csv, and rows.csv once every method is done), \
            named by its parameters; each run prints one line (its F1), not its edge list. Without \
            --cell every method of every cell that has no row.csv yet is run in turn (so an \
            interrupted study continues), then the results are merged. For job arrays: --cells prints the cell count, --cell K runs one cell (under \
            srun/mpirun all ranks train together), --merge writes OUT/results.csv and \
            OUT/study.html once every cell is done.
            """)

    @Option(help: "Study grid (TOML).") var grid: String
    @Option(help: "Study folder (created if missing).") var out: String
    @Option(help: "Run only this cell (0-based).") var cell: Int?
    @Flag(help: "Print the number of cells and exit.") var cells = false
    @Flag(help: "Merge the cells' rows into results.csv and study.html (every cell must be done).") var merge = false
    @Option(help: "Baseline runner for pcmci/varlingam (default: scripts/baselines/run of this checkout, or $CAUSEWAY_BASELINES).")
    var baselines: String?
    @Flag(help: "Run cells again even when they have results.") var force = false

    func validate() throws {
        let modes = [cell != nil, cells, merge].filter { $0 }.count
        if modes > 1 { throw ValidationError("give at most one of --cell, --cells and --merge") }
        if let cell, cell < 0 { throw ValidationError("--cell must be ≥ 0 (got \(cell))") }
    }

    func run() throws {
        let studyGrid = try StudyGrid.read(path: grid)
        let all = studyGrid.cells
        if cells {
            print(all.count)
            return
        }
        if merge {
            try writeMerged(grid: studyGrid)
            return
        }
        if let cell, cell >= all.count {
            throw CausewayError("--cell \(cell) is out of range: \(grid) has \(all.count) cells (0…\(all.count - 1))")
        }
        try checkRunFlags(studyGrid)
        let runner = try baselineRunner(grid: studyGrid)
        StopSignal.install()
        try coordinated(checking: false) { world, agreement in
            let todo = cell.map { [all[$0]] } ?? all
            let started = Date()
            for (k, c) in todo.enumerated() {
                try runCell(c, grid: studyGrid, world: world, agreement: agreement, baselineRunner: runner)
                if todo.count > 1 && world.isCoordinator {
                    // cells done out of N, with an ETA from the mean time per cell so far
                    let elapsed = Date().timeIntervalSince(started)
                    let eta = elapsed / Double(k + 1) * Double(todo.count - k - 1)
                    print("study: \(k + 1)/\(todo.count) cells done in \(formatDuration(elapsed))"
                          + (k + 1 < todo.count ? ", ETA \(formatDuration(eta))" : ""))
                }
            }
            if cell == nil && world.isCoordinator { try writeMerged(grid: studyGrid) }
        }
    }

    /// The grid's [run] flags parsed as `causeway run` parses them, before any cell's data is
    /// generated: a mistyped flag or a bad value is refused naming the grid's line, not in the
    /// middle of the study (or in every task of a job array).
    /// - Throws: `CausewayError` "grid.toml:LINE: [run] flag: the parser's message".
    func checkRunFlags(_ g: StudyGrid) throws {
        let fixed = ["--data", "cell.csv", "--out", "cell-out"]
        // all together (flags may need each other: --tokens variable with --attribution abcd)
        do { _ = try Run.parse(fixed + Self.runArguments(g.runFlags)) } catch {
            let message = Run.message(for: error)
            // the line of the first [run] key the message names as a flag ('--stepz', --heads)
            let named = g.runFlags.indices.first { k in
                let flag = "--" + g.runFlags[k].0
                return message.contains("'\(flag)'") || message.contains("\(flag) ") || message.contains("\(flag)=")
                    || message.hasSuffix(flag)
            }
            if let k = named, k < g.runFlagLocations.count {
                throw CausewayError("\(g.runFlagLocations[k]): [run] \(g.runFlags[k].0): \(message)")
            }
            throw CausewayError("\(grid) [run]: \(message)")
        }
    }

    /// `causeway run` arguments of a grid's [run] table: `key = value` → `--key value`,
    /// `key = true` → `--key`, `key = false` → `--no-key` for an on/off flag that has that form
    /// (`linear_path = false` → `--no-linear-path`), else nothing (`quiet = false`).
    static func runArguments(_ flags: [(String, GridValue)]) -> [String] {
        flags.flatMap { flag, value -> [String] in
            guard case .boolean(false) = value else { return StudyGrid.arguments([(flag, value)]) }
            let negated = "--no-" + flag
            return (try? Run.parse(["--data", "cell.csv", "--out", "cell-out", negated])) != nil ? [negated] : []
        }
    }

    func writeMerged(grid studyGrid: StudyGrid) throws {
        let rows = try StudyResults.merge(out: out, grid: studyGrid)
        try AtomicFile.write(StudyResults.csv(rows), to: out + "/results.csv")
        try AtomicFile.write(StudyReport.html(rows: rows, title: "Causeway scale study: \(URL(fileURLWithPath: grid).lastPathComponent)"),
                             to: out + "/study.html")
        print("study: \(rows.count) rows → \(out)/results.csv, plots → \(out)/study.html")
    }

    /// The baseline runner, checked before any work when the grid asks for a baseline.
    func baselineRunner(grid studyGrid: StudyGrid) throws -> String? {
        guard studyGrid.methods.contains(where: { $0 != .causeway }) else { return nil }
        let candidates = [baselines, ProcessInfo.processInfo.environment["CAUSEWAY_BASELINES"]].compactMap { $0 }
            + [checkoutRoot().map { $0 + "/scripts/baselines/run" }].compactMap { $0 }
        guard let runner = candidates.first else {
            throw ValidationError("the grid asks for baselines but no runner was found: pass --baselines PATH/scripts/baselines/run")
        }
        guard FileManager.default.isExecutableFile(atPath: runner) else {
            throw ValidationError("--baselines: \(runner) is not an executable file")
        }
        return runner
    }

    /// The checkout this binary was built in (…/.build/<config>/causeway → …).
    func checkoutRoot() -> String? {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let root = exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return FileManager.default.fileExists(atPath: root.path + "/scripts/baselines/run") ? root.path : nil
    }

    /// Generates the cell's data (coordinator) and runs each of the grid's variants that has no
    /// row.csv yet (all of them with --force), so a study can be continued or extended by
    /// adding methods to the grid. Writes the cell's rows.csv when every variant is done.
    func runCell(_ c: StudyCell, grid g: StudyGrid, world: Communicator, agreement: InputAgreement, baselineRunner: String?) throws {
        let dir = StudyResults.cellDirectory(out, c)
        let data = dir + "/data"
        func rowPath(_ v: StudyVariant) -> String { dir + "/" + v.folder + "/row.csv" }
        // every rank sees the same files: the decisions are the same everywhere
        if !force { try StudyResults.checkSettings(out: out, cell: c, grid: g, record: false) }
        let todo = g.variants.filter { force || !FileManager.default.fileExists(atPath: rowPath($0)) }
        if todo.isEmpty {
            if world.isCoordinator { print("cell \(c.index): done already") }
            return
        }
        if world.isCoordinator {
            print("cell \(c.index): \(c.samples) samples × \(c.domains) domain(s), \(c.heterogeneity.rawValue) \(c.family.rawValue), seed \(c.seed): "
                + todo.map(\.folder).joined(separator: ", "))
            try AtomicFile.makeDirectory(dir)
            if force { try? FileManager.default.removeItem(atPath: dir + "/settings.txt") }
            try StudyResults.checkSettings(out: out, cell: c, grid: g, record: true)
            let config = g.generatorConfig(c)
            try SyntheticGenerator.write(try SyntheticGenerator.generate(config), config: config, to: data, format: .npy)
        }
        world.barrier()   // the data exist before any rank reads them
        for v in todo {
            let runDir = dir + "/" + v.folder
            let t0 = Date()
            var ranks = 1, threads = 1
            if v.method == .causeway {
                var args = ["--data", data + "/manifest.json", "--out", runDir, "--truth", data + "/truth.csv",
                            "--max-lag", String(g.maxLag), "--seed", String(c.seed), "--quiet", "--overwrite"]
                args.append(v.domainEmbedding ? "--domain-embedding" : "--no-domain-embedding")
                args += Self.runArguments(g.runFlags)
                // a run stopped by a signal (exit 75, e.g. a requeued array task) continues
                // from its checkpoint; --force starts over
                let checkpoint = runDir + "/checkpoint.cwck"
                if force {
                    if world.isCoordinator { try? FileManager.default.removeItem(atPath: checkpoint) }
                } else if FileManager.default.fileExists(atPath: checkpoint) {
                    args += ["--resume", checkpoint]
                }
                let run: Run
                do { run = try Run.parse(args) } catch {
                    throw CausewayError("\(grid) [run]: \(Run.message(for: error)) (arguments: \(args.joined(separator: " ")))")
                }
                do { threads = try run.execute(world: world, agreement: agreement, listing: false).threads } catch let e as CausewayError {
                    // say which cell, and that the grid's keys set its shape
                    throw CausewayError("\(grid): cell \(c.index) (\(c.name); samples, domains, variables and max_lag come from the grid): \(e.message)")
                }
                ranks = world.size
            } else if world.isCoordinator, let baselineRunner {
                try runBaseline(baselineRunner, method: v.method, data: data + "/manifest.json", maxLag: g.maxLag,
                                seed: c.seed, extra: StudyGrid.arguments(g.baselineFlags), out: runDir)
            }
            if world.isCoordinator {
                let seconds = Date().timeIntervalSince(t0)
                let e = try RunEvaluation.evaluate(runDirectory: runDir, truthPath: data + "/truth.csv")
                let row = StudyRow(cell: c, grid: g, method: v.method, domainEmbedding: v.domainEmbedding, evaluation: e,
                                   wallSeconds: seconds, ranks: ranks, threads: threads)
                try AtomicFile.write(StudyResults.csv([row]), to: rowPath(v))
                print(String(format: "cell %d: %@ lagged F1 %.3f, AUROC %@ (%.1f s)", row.cell, row.variant, row.f1Lagged,
                             row.aurocLagged.map { String(format: "%.3f", $0) } ?? "n/a", row.wallSeconds))
            }
            world.barrier()   // no rank starts the next run before the coordinator has recorded this one
        }
        if world.isCoordinator {
            let rows = try g.variants.flatMap { try StudyResults.read(path: rowPath($0)) }
            try AtomicFile.write(StudyResults.csv(rows), to: dir + "/rows.csv")
        }
    }

    /// Runs the Python baseline in a child process; its stderr passes through, a failure names it.
    func runBaseline(_ runner: String, method: StudyMethod, data: String, maxLag: Int, seed: UInt64,
                     extra: [String], out runDir: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: runner)
        process.arguments = ["--method", method.rawValue, "--data", data, "--max-lag", String(maxLag),
                             "--seed", String(seed), "--out", runDir] + extra
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CausewayError("baseline \(method.rawValue) failed (exit \(process.terminationStatus)): \(runner) \(process.arguments!.joined(separator: " "))")
        }
    }
}
