import Foundation
import Testing
@testable import Causeway

/// The scale study: grid files, the cell cross product, results files, plots, and the CLI.
struct StudyGridTests {
    /// Values as a grid reads them: comments, `1_000`, floats, strings with `#` and escapes,
    /// booleans, arrays over several lines with a trailing comma, flags in file order.
    @Test func gridValuesAndFlagOrder() throws {
        let g = try StudyGrid.parse("""
            # comment
            samples = [
              1_000, 2_000,   # split over lines
              4_000,
            ]
            domain_embedding = [true, false]
            family = "linear"        # trailing comment
            [run]
            steps = 10
            lr = -2.5e-1
            label = "x # not a comment \\"quoted\\""
            verbose = true
            [baselines]
            alpha = 0.05
            """, path: "g.toml")
        #expect(g.samples == [1000, 2000, 4000])
        #expect(g.domainEmbedding == [true, false])
        #expect(g.family == [.linear])
        // file order, not TOMLKit's (alphabetical) key order
        #expect(g.runFlags.map(\.0) == ["steps", "lr", "label", "verbose"])
        #expect(g.runFlags.map(\.1) == [.integer(10), .float(-0.25), .string("x # not a comment \"quoted\""), .boolean(true)])
        #expect(g.baselineFlags.map(\.0) == ["alpha"] && g.baselineFlags.map(\.1) == [.float(0.05)])
        #expect(StudyGrid.arguments(g.runFlags) == ["--steps", "10", "--lr=-0.25", "--label", "x # not a comment \"quoted\"", "--verbose"])
    }

    /// What the old hand-written subset refused and full TOML allows: literal and multi-line
    /// strings, hex integers, quoted keys, dotted keys, inline tables, whitespace in headers.
    @Test func fullTOMLIsRead() throws {
        let g = try StudyGrid.parse("""
            "samples" = [0x64, 200]
            seeds = [
              0,
              1,
            ]
            [ run ]
            label = 'C:\\data\\x'
            note = \"""
            two
            lines\"""
            [baselines]
            alpha = 5e-2
            """, path: "g.toml")
        #expect(g.samples == [100, 200] && g.seeds == [0, 1])
        #expect(g.runFlags.map(\.0) == ["label", "note"])
        #expect(g.runFlags.map(\.1) == [.string("C:\\data\\x"), .string("two\nlines")])
        #expect(g.baselineFlags.map(\.1) == [.float(0.05)])
        // an inline table and dotted keys are the same tables; keys the line lookup cannot
        // place keep TOMLKit's key order
        let inline = try StudyGrid.parse("variables = 4\nrun = { steps = 5, lr = 0.1 }\nbaselines.alpha = 0.01\n", path: "g.toml")
        #expect(inline.runFlags.map(\.0) == ["lr", "steps"] && inline.baselineFlags.map(\.1) == [.float(0.01)])
    }

    func error(_ text: String) -> String {
        do {
            _ = try StudyGrid.parse(text, path: "g.toml")
            return "no error"
        } catch let e as CausewayError {
            return e.message
        } catch { return "\(error)" }
    }

    @Test func badGridsNameFileLineAndKey() {
        // TOML syntax: TOMLKit's message after path:line:column
        #expect(error("samples = [100, x]").hasPrefix("g.toml:1:17: "))
        #expect(error("\n\nsamples = [100, 200").hasPrefix("g.toml:3:"))
        #expect(error("a = 1\na = 2").hasPrefix("g.toml:2:"))
        #expect(error("samples = [1]\0").hasPrefix("g.toml:1: NUL byte"))
        #expect(error("\"a\\u0000b\" = 1").hasPrefix("g.toml: a key holds a NUL character"))
        // the grid's rules: path:line and the key
        #expect(error("sample = [100]").contains("g.toml:1: unknown key 'sample'"))
        #expect(error("variables = 4\n\n  sample = [100]  # typo").contains("g.toml:3: unknown key 'sample'"))
        #expect(error("samples = [300]\r\nseeds = [0, 0]\r\n").contains("g.toml:2: 'seeds' lists 0 twice"))
        #expect(error("family = [\"linear\", \"cubic\"]").contains("g.toml:1: 'family' value \"cubic\" is not one of linear"))
        #expect(error("samples = [1]").contains("g.toml:1: 'samples' must hold integers ≥ 2"))
        #expect(error("samples = [100, 2.5]").contains("g.toml:1: 'samples' must hold integers ≥ 2 (got 2.5)"))
        #expect(error("max_lag = \"3\"").contains("g.toml:1: 'max_lag' must be an integer ≥ 1 (got \"3\")"))
        #expect(error("samples = \"500\"").contains("g.toml:1: 'samples' must hold integers ≥ 2 (got \"500\")"))
        #expect(error("variables = 3\nin_degree = 10").contains("g.toml:2: 'in_degree' 10 is more than 'variables' 3"))
        #expect(error("").contains("g.toml: the grid is empty"))
        #expect(error("# only a comment\n").contains("g.toml: the grid is empty"))
        #expect(error("domains = []").contains("g.toml:1: 'domains' is empty"))
        #expect(error("noise = [\"gaussian\", \"laplace\"]").contains("g.toml:1: 'noise' takes one value"))
        #expect(error("domain_embedding = [1]").contains("g.toml:1: 'domain_embedding' must hold true/false (got 1)"))
        #expect(error("[run]\ndata = \"x.csv\"").contains("g.toml:2: [run] data is set by the study itself"))
        #expect(error("[run]\nmax_lag = 3").contains("g.toml:2: [run] max_lag is set by the study itself"))
        #expect(error("[run]\n\"max lag\" = 3").contains("g.toml:2: [run] \"max lag\" is not a flag name"))
        #expect(error("[baselines]\nalpha = [0.05, 0.1]").contains("g.toml:2: [baselines] alpha: one value per flag"))
        #expect(error("variables = 4\n[model]\nx = 1").contains("g.toml:2: unknown table [model] (known: [run], [baselines])"))
        #expect(error("[[run]]\nsteps = 1").contains("g.toml:1: [[run]] is an array of tables"))
        #expect(error("[[model]]\nx = 1").contains("g.toml:1: unknown table [[model]]"))
        #expect(error("[run.sub]\nsteps = 1").contains("[run] sub holds a table"))
        #expect(error("seeds = 1979-05-27").contains("g.toml:1: 'seeds' holds a date or time"))
        #expect(error("seeds = [\n  1979-05-27]").contains("g.toml:2: a date or time"))
        #expect(error("[run]\nlr = nan").contains("g.toml:2: [run] lr is nan (numbers must be finite)"))
        // a key the line lookup cannot place: the file and the key
        #expect(error("[run]\nx.y = 1") == "g.toml: [run] x holds a table (grid values are integers, floats, strings, booleans and arrays of those)")
        // semantic checks of the whole grid: the file
        #expect(error("max_lag = 5\nsamples = [6]").contains("g.toml: cell 0 (samples 6, domains 1) is not a valid dataset"))
        #expect(error("variables = 4") == "no error")
    }

    @Test func cellsAreTheCrossProductWithSeedsFastest() throws {
        let g = try StudyGrid.parse("""
            samples = [100, 200]
            domains = [1, 5]
            heterogeneity = ["regular", "extreme"]
            family = "mlp-additive"
            seeds = [3, 4]
            domain_embedding = [false, true]
            methods = ["causeway", "pcmci"]
            variables = 6
            max_lag = 2
            [run]
            steps = 50
            overlap_allreduce = true
            quiet = false
            """, path: "g.toml")
        let cells = g.cells
        #expect(cells.count == 2 * 2 * 2 * 1 * 2)
        #expect(cells.map(\.index) == Array(0..<16))
        #expect(cells[0] == StudyCell(index: 0, samples: 100, domains: 1, heterogeneity: .regular, family: .mlpAdditive, seed: 3))
        #expect(cells[1].seed == 4 && cells[1].samples == 100)
        #expect(cells[2].samples == 200 && cells[4].domains == 5 && cells[8].heterogeneity == .extreme)
        #expect(Set(cells.map { "\($0.samples)-\($0.domains)-\($0.heterogeneity)-\($0.seed)" }).count == 16)
        #expect(g.methods == [.causeway, .pcmci])
        #expect(StudyGrid.arguments(g.runFlags) == ["--steps", "50", "--overlap-allreduce"])
        let config = g.generatorConfig(cells[13])
        #expect(config.variables == 6 && config.maxLag == 2 && config.domains == cells[13].domains && config.seed == cells[13].seed)
    }
}

struct StudyResultsTests {
    func row(cell: Int, method: StudyMethod, embedding: Bool, samples: Int, domains: Int, seed: UInt64, f1: Double) -> StudyRow {
        let truth = [LaggedEdge(source: 0, target: 1, lag: 1)]
        let scores = ScoreTensor(maxLag: 1, variables: 2, values: [0, 0.9, 0.1, 0])
        var r = StudyRow(cell: StudyCell(index: cell, samples: samples, domains: domains, heterogeneity: .extreme,
                                         family: .linear, seed: seed),
                         grid: StudyGrid(), method: method, domainEmbedding: embedding,
                         evaluation: Evaluation.evaluate(predicted: truth, scores: scores, truth: truth),
                         wallSeconds: 1.5, ranks: 2, threads: 1)
        r.f1Lagged = f1
        return r
    }

    @Test func csvRoundTripsAndMergeNamesMissingCells() throws {
        let f = TempFolder()
        let rows = [row(cell: 0, method: .causeway, embedding: false, samples: 100, domains: 1, seed: 0, f1: 0.5),
                    row(cell: 0, method: .causeway, embedding: true, samples: 100, domains: 1, seed: 0, f1: 0.75),
                    row(cell: 1, method: .pcmci, embedding: false, samples: 200, domains: 1, seed: 0, f1: 0.25)]
        let path = f.file("results.csv", StudyResults.csv(rows))
        let back = try StudyResults.read(path: path)
        #expect(back.count == 3)
        #expect(back.map(\.f1Lagged) == [0.5, 0.75, 0.25])
        #expect(back[1].variant == "causeway + domain embedding" && back[2].method == "pcmci")
        #expect(back[0].aurocLagged == 1 && back[0].ranks == 2)

        var grid = StudyGrid()
        grid.samples = [100, 200]
        grid.domainEmbedding = [false, true]
        grid.methods = [.causeway, .pcmci]   // 2 cells × 3 variants
        #expect(grid.variants.map(\.folder) == ["causeway", "causeway-domain-embedding", "pcmci"])
        #expect(grid.cells.map(\.name) == ["n100-d1-regular-linear-s0", "n200-d1-regular-linear-s0"])
        for (cell, folder, row) in [(0, "causeway", rows[0]), (0, "causeway-domain-embedding", rows[1]), (1, "pcmci", rows[2])] {
            let dir = "cells/\(grid.cells[cell].name)/\(folder)"
            try FileManager.default.createDirectory(atPath: f.path + "/" + dir, withIntermediateDirectories: true)
            f.file(dir + "/row.csv", StudyResults.csv([row]))
        }
        #expect { try StudyResults.merge(out: f.path, grid: grid) } throws: { e in
            (e as? CausewayError)?.message.contains("3 of 6 cell results are missing (cell 0 (pcmci), 1 (causeway), 1 (causeway-domain-embedding))") == true
        }
        grid.methods = [.causeway]
        grid.samples = [100]
        #expect(try StudyResults.merge(out: f.path, grid: grid).map(\.variant) == ["causeway", "causeway + domain embedding"])

        let bad = f.file("bad.csv", StudyRow.header.joined(separator: ",") + "\n0,causeway,maybe" + String(repeating: ",1", count: 18) + "\n")
        #expect { try StudyResults.read(path: bad) } throws: { e in
            (e as? CausewayError)?.message.contains("bad.csv:2: domain_embedding 'maybe'") == true
        }
    }

    @Test func reportDrawsOnePanelPerVariantAndLinePerDomainCount() {
        var rows: [StudyRow] = []
        for (k, (d, n)) in [(1, 100), (1, 1000), (5, 100), (5, 1000)].enumerated() {
            for seed: UInt64 in [0, 1] {
                rows.append(row(cell: k, method: .causeway, embedding: false, samples: n, domains: d, seed: seed, f1: 0.5 + Double(seed) * 0.1))
                rows.append(row(cell: k, method: .causeway, embedding: true, samples: n, domains: d, seed: seed, f1: 0.9))
                rows.append(row(cell: k, method: .varlingam, embedding: false, samples: n, domains: d, seed: seed, f1: 0.3))
            }
        }
        let html = StudyReport.html(rows: rows, title: "t <&>")
        // 3 variants × 2 metrics panels, each with a line for 1 and for 5 domains
        #expect(html.components(separatedBy: "<svg").count - 1 == 6)
        #expect(html.components(separatedBy: "<polyline").count - 1 == 12)
        #expect(html.contains("t &lt;&amp;&gt;"))
        #expect(html.contains("samples per domain (log)"))
        // the mean over seeds (0.5, 0.6) in the table; the best variant in bold
        #expect(html.contains("<td>0.550</td>") && html.contains("<td class=\"best\">0.900</td>"))
    }
}

/// `causeway study` end to end on a tiny grid: cell count, one cell, merge, the full study.
struct StudyCommandTests {
    @Test func tinyStudyRunsCellsAndMerges() throws {
        let f = TempFolder()
        let grid = f.file("grid.toml", """
            samples = [300, 600]
            domains = [2]
            heterogeneity = "extreme"
            domain_embedding = [false, true]
            variables = 3
            max_lag = 2
            [run]
            steps = 40
            d_model = 8
            heads = 2
            layers = 1
            batch = 16
            eval_samples = 50
            """)
        let out = f.path + "/study"
        let count = try runCLI(["study", "--grid", grid, "--out", out, "--cells"])
        #expect(count.status == 0 && count.stdout == "2\n", "\(count.stderr)")
        let early = try runCLI(["study", "--grid", grid, "--out", out, "--merge"])
        #expect(early.status != 0 && early.stderr.contains("4 of 4 cell results are missing"), "\(early.stderr)")
        let one = try runCLI(["study", "--grid", grid, "--out", out, "--cell", "1"])
        #expect(one.status == 0, "\(one.stderr)")
        // one line per run, not each run's edge list and file list
        #expect(one.stdout.contains("cell 1: causeway lagged F1") && !one.stdout.contains("files in") && !one.stdout.contains("graph.json"),
                "\(one.stdout)")
        let rows = try StudyResults.read(path: out + "/cells/n600-d2-extreme-linear-s0/rows.csv")
        #expect(rows.map(\.variant) == ["causeway", "causeway + domain embedding"])
        #expect(rows.allSatisfy { $0.samples == 600 && $0.domains == 2 && $0.f1Lagged >= 0 && $0.f1Lagged <= 1 })
        #expect(FileManager.default.fileExists(atPath: out + "/cells/n600-d2-extreme-linear-s0/causeway-domain-embedding/graph.json"))
        let bad = try runCLI(["study", "--grid", grid, "--out", out, "--cell", "2"])
        #expect(bad.status != 0 && bad.stderr.contains("--cell 2 is out of range") && !bad.stderr.contains("Usage: causeway <subcommand>"),
                "\(bad.stderr)")
        // the full study runs only the missing cell, then merges
        let all = try runCLI(["study", "--grid", grid, "--out", out])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("cell 1: done already"))
        let merged = try StudyResults.read(path: out + "/results.csv")
        #expect(merged.map(\.cell) == [0, 0, 1, 1])
        let html = try String(contentsOfFile: out + "/study.html", encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("causeway + domain embedding"))
        // a grid narrowed (or extended) later reuses every finished run
        try (try String(contentsOfFile: grid, encoding: .utf8)).replacingOccurrences(of: "domain_embedding = [false, true]", with: "domain_embedding = [true]")
            .write(toFile: grid, atomically: true, encoding: .utf8)
        let again = try runCLI(["study", "--grid", grid, "--out", out])
        #expect(again.status == 0 && again.stdout.contains("cell 0: done already") && again.stdout.contains("cell 1: done already"))
        // other run settings would mix incomparable results: refused
        try (try String(contentsOfFile: grid, encoding: .utf8)).replacingOccurrences(of: "steps = 40", with: "steps = 50")
            .write(toFile: grid, atomically: true, encoding: .utf8)
        let changed = try runCLI(["study", "--grid", grid, "--out", out, "--cell", "0"])
        #expect(changed.status != 0 && changed.stderr.contains("this cell has results run with other settings")
                && changed.stderr.contains("'run: ") && changed.stderr.contains("--steps 40") && changed.stderr.contains("--steps 50"), "\(changed.stderr)")
    }

    @Test func falseInRunTurnsAnOnOffFlagOff() throws {
        // `linear_path_per_domain = false` → --no-linear-path-per-domain (it was dropped, so the
        // default stayed on); `quiet = false` → nothing (run has no --no-quiet)
        let f = TempFolder()
        for (name, extra) in [("on", ""), ("off", "linear_path_per_domain = false\nquiet = false\n")] {
            let grid = f.file("\(name).toml", """
                samples = [300]
                domains = 2
                variables = 3
                max_lag = 2
                domain_embedding = [true]
                [run]
                steps = 10
                d_model = 8
                heads = 2
                \(extra)
                """)
            let r = try runCLI(["study", "--grid", grid, "--out", f.path + "/\(name)"])
            #expect(r.status == 0, "\(r.stderr)")
            let cell = try #require(try FileManager.default.contentsOfDirectory(atPath: f.path + "/\(name)/cells").first)
            let ck = try Checkpoint.read(path: f.path + "/\(name)/cells/\(cell)/causeway-domain-embedding/checkpoint.cwck")
            #expect(ck.header.model.linearPathPerDomain == (name == "on"))
            // the setting is recorded, so a grid that turns it on again is a change of settings
            let settings = try String(contentsOfFile: f.path + "/\(name)/cells/\(cell)/settings.txt", encoding: .utf8)
            #expect(settings.contains("--no-linear-path-per-domain") == (name == "off"), "\(settings)")
        }
    }

    @Test func runFlagsAreCheckedWhenTheGridIsReadAndAFailedCellCanBeFixed() throws {
        let f = TempFolder()
        let text = """
            samples = [300]
            variables = 3
            max_lag = 2
            [run]
            d_model = 8
            heads = 2
            stepz = 20
            """
        let grid = f.file("grid.toml", text)
        let out = f.path + "/study"
        // a mistyped flag: refused naming the line, before any cell's data exists
        let typo = try runCLI(["study", "--grid", grid, "--out", out])
        #expect(typo.status != 0 && typo.stderr.contains("grid.toml:7") && typo.stderr.contains("stepz")
                && typo.stderr.contains("--steps"), "\(typo.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/cells"))
        // a bad value, and flags that are each valid but not together
        try text.replacingOccurrences(of: "stepz = 20", with: "steps = -3").write(toFile: grid, atomically: true, encoding: .utf8)
        let value = try runCLI(["study", "--grid", grid, "--out", out])
        #expect(value.status != 0 && value.stderr.contains("grid.toml:7") && value.stderr.contains("--steps"), "\(value.stderr)")
        try text.replacingOccurrences(of: "stepz = 20", with: "heads = 3").replacingOccurrences(of: "heads = 2\n", with: "")
            .write(toFile: grid, atomically: true, encoding: .utf8)
        let together = try runCLI(["study", "--grid", grid, "--out", out])
        #expect(together.status != 0 && together.stderr.contains("[run]") && together.stderr.contains("--heads"), "\(together.stderr)")
        // flags valid only together are not refused one by one
        try text.replacingOccurrences(of: "d_model = 8\nheads = 2\nstepz = 20", with: "d_model = 12\nheads = 6\nsteps = 5")
            .write(toFile: grid, atomically: true, encoding: .utf8)
        let pair = try runCLI(["study", "--grid", grid, "--out", out + "-pair", "--cell", "0"])
        #expect(pair.status == 0, "\(pair.stderr)")
        // a cell whose run failed after its settings were recorded holds no result: the fixed grid runs it
        try text.replacingOccurrences(of: "stepz = 20", with: "steps = 20").write(toFile: grid, atomically: true, encoding: .utf8)
        let first = try runCLI(["study", "--grid", grid, "--out", out, "--cell", "0"])
        #expect(first.status == 0, "\(first.stderr)")
        let dir = try #require(try FileManager.default.contentsOfDirectory(atPath: out + "/cells").first)
        // pretend an earlier grid (other settings) had failed in this cell before writing results
        for v in try FileManager.default.contentsOfDirectory(atPath: out + "/cells/" + dir) where v.hasPrefix("causeway") {
            try FileManager.default.removeItem(atPath: out + "/cells/\(dir)/\(v)/row.csv")
        }
        try? FileManager.default.removeItem(atPath: out + "/cells/\(dir)/rows.csv")
        try "variables 3, max_lag 2, in_degree 3, noise gaussian\nrun: --stepz 20\nbaselines: \n"
            .write(toFile: out + "/cells/\(dir)/settings.txt", atomically: true, encoding: .utf8)
        let rerun = try runCLI(["study", "--grid", grid, "--out", out, "--cell", "0"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
    }

    @Test func aSignalledCellResumesItsRunAndEndsTheSame() throws {
        // SLURM requeues an array task that checkpointed on USR1: the rerun of the cell continues
        // the interrupted training and ends with the scores of an uninterrupted study
        let f = TempFolder()
        let grid = f.file("grid.toml", """
            samples = [1500]
            variables = 3
            max_lag = 2
            [run]
            steps = 3000
            patience = 0
            eval_every = 20
            d_model = 8
            heads = 2
            layers = 1
            batch = 16
            eval_samples = 50
            """)
        let stopped = f.path + "/stopped", full = f.path + "/full"
        let process = Process()
        process.executableURL = causewayBinary()
        process.arguments = ["study", "--grid", grid, "--out", stopped, "--cell", "0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = env
        try process.run()
        let runDir = stopped + "/cells/n1500-d1-regular-linear-s0/causeway"
        waitForTrainingLog(runDir)
        kill(process.processIdentifier, SIGUSR1)
        process.waitUntilExit()
        #expect(process.terminationStatus == StopSignal.exitCode)
        #expect(!FileManager.default.fileExists(atPath: runDir + "/row.csv"))
        #expect(try Checkpoint.read(path: runDir + "/checkpoint.cwck").header.state.step < 3000)
        let resumed = try runCLI(["study", "--grid", grid, "--out", stopped, "--cell", "0"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let uninterrupted = try runCLI(["study", "--grid", grid, "--out", full, "--cell", "0"])
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        let a = FileManager.default.contents(atPath: runDir + "/scores.npy")
        #expect(a != nil && a == FileManager.default.contents(atPath: full + "/cells/n1500-d1-regular-linear-s0/causeway/scores.npy"))
    }

    @Test func badGridFailsBeforeAnyWork() throws {
        let f = TempFolder()
        let grid = f.file("grid.toml", "samples = [300]\nmethods = [\"causeway\", \"tcdf\"]\n")
        let r = try runCLI(["study", "--grid", grid, "--out", f.path + "/study"])
        #expect(r.status != 0 && r.stderr.contains("grid.toml:2: 'methods' value \"tcdf\" is not one of causeway, pcmci, varlingam, varlingam-pooled"))
        #expect(!FileManager.default.fileExists(atPath: f.path + "/study"))
    }
}
