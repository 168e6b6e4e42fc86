import Foundation
import _StudyGridFile

/// A value in a study grid file: a list item, or a [run] / [baselines] flag value.
public typealias GridValue = _StudyGridFile.GridValue

/// A method a scale study compares.
public enum StudyMethod: String, CaseIterable, Codable, Sendable {
    case causeway
    /// PCMCI with partial correlation (tigramite), through `scripts/baselines/run`.
    case pcmci
    /// VARLiNGAM (lingam) fitted per domain, |B| averaged, through `scripts/baselines/run`.
    case varlingam
    /// VARLiNGAM fitted once on all domains stacked (the domain-agnostic use).
    case varlingamPooled = "varlingam-pooled"
}

/// One method run of a cell.
public struct StudyVariant: Equatable, Sendable {
    public let method: StudyMethod
    public let domainEmbedding: Bool
    /// The run's folder inside the cell folder.
    public var folder: String { method.rawValue + (domainEmbedding ? "-domain-embedding" : "") }
}

/// One cell of a study grid: a generated dataset that every method is run on.
public struct StudyCell: Equatable, Sendable {
    public let index: Int
    public let samples: Int
    public let domains: Int
    public let heterogeneity: Heterogeneity
    public let family: MechanismFamily
    public let seed: UInt64

    /// The cell's folder name, from its parameters: e.g. `n2000-d5-extreme-mlp-additive-s0`.
    public var name: String { "n\(samples)-d\(domains)-\(heterogeneity.rawValue)-\(family.rawValue)-s\(seed)" }
}

/// A scale-study grid, read from a TOML file:
///
/// ```toml
/// samples = [1000, 4000, 16000]      # rows per domain
/// domains = [1, 5, 10]
/// heterogeneity = ["extreme"]        # regular | extreme
/// family = ["mlp-additive"]
/// seeds = [0, 1]
/// domain_embedding = [false, true]   # Causeway with and without the domain embedding
/// methods = ["causeway", "pcmci", "varlingam"]
/// variables = 10
/// max_lag = 3
/// in_degree = 3
/// noise = "gaussian"
///
/// [run]          # extra `causeway run` flags for every Causeway run (key = flag name)
/// steps = 3000
///
/// [baselines]    # extra flags for scripts/baselines/run
/// alpha = 0.05
/// ```
/// The file is TOML 1.0 (parsed by TOMLKit: any TOML syntax, e.g. dotted keys or multi-line
/// strings, is read), with the keys, tables and value types above: integers, floats, strings,
/// booleans, and lists of them at the top level; one value per flag in [run] and [baselines].
/// Every list key also takes a single value; a list may not repeat a value. The cells are the
/// cross product of heterogeneity × family × domains × samples × seeds (seeds varying fastest),
/// at most `maxCells` of them.
public struct StudyGrid: Sendable {
    public var samples = [2000]
    public var domains = [1]
    public var heterogeneity: [Heterogeneity] = [.regular]
    public var family: [MechanismFamily] = [.linear]
    public var seeds: [UInt64] = [0]
    public var domainEmbedding = [false]
    public var methods: [StudyMethod] = [.causeway]
    public var variables = 10
    public var maxLag = 5
    public var inDegree = 3
    public var noise: NoiseDistribution = .gaussian
    /// Extra `causeway run` flags, in file order: (flag without dashes, value).
    public var runFlags: [(String, GridValue)] = []
    /// `path:line` of each of `runFlags` in the grid file, for error messages.
    public var runFlagLocations: [String] = []
    /// Extra baseline flags, in file order.
    public var baselineFlags: [(String, GridValue)] = []

    public init() {}

    /// The most cells a grid may have (each is a generated dataset and a run of every method).
    public static let maxCells = 10_000

    /// Flags the study sets itself for every run; a [run] table may not set them.
    public static let reservedRunFlags: Set<String> = ["data", "out", "truth", "max-lag", "domain-embedding", "no-domain-embedding", "seed", "no-header", "resume", "overwrite"]

    public static func read(path: String) throws -> StudyGrid {
        let data = try readFileContents(path)
        guard let text = String(data: data, encoding: .utf8) else { throw CausewayError("\(path): not UTF-8 text") }
        return try parse(text, path: path)
    }

    /// Parses a grid from TOML text (TOMLKit). Errors name the file and, where known, the line:
    /// `path:line:column:` for TOML syntax, `path:line:` with the key for a grid's rules.
    public static func parse(_ text: String, path: String) throws -> StudyGrid {
        do { return try parse(GridFile(text, path: path)) } catch let e as GridFileError { throw CausewayError(e.message) }
    }

    private static func parse(_ file: GridFile) throws -> StudyGrid {
        let path = file.path
        var g = StudyGrid()
        func at(_ line: Int?) -> String { file.location(line) }
        for t in file.tables {
            if t.isArrayOfTables && ["run", "baselines"].contains(t.name) {
                throw CausewayError("\(at(t.line)): [[\(t.name)]] is an array of tables; write one [\(t.name)] table")
            }
            if !["run", "baselines"].contains(t.name) {
                let header = t.isArrayOfTables ? "[[\(t.name)]]" : "[\(t.name)]"
                throw CausewayError("\(at(t.line)): unknown table \(header) (known: [run], [baselines])")
            }
        }
        let entries = try file.entries(in: nil) { "'\($0)'" }
        let top = Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })

        func list(_ key: String) throws -> (items: [GridValue], line: Int?)? {
            guard let e = top[key] else { return nil }
            guard case .array(let a) = e.value else { return ([e.value], e.line) }
            // a repeated value repeats cells (the same folder names) and multiplies the grid
            var seen = Set<String>()
            for item in a where !seen.insert("\(item)").inserted {
                throw CausewayError("\(at(e.line)): '\(key)' lists \(item.quoted) twice")
            }
            return (a, e.line)
        }
        func ints(_ key: String, min: Int) throws -> [Int]? {
            guard let (items, line) = try list(key) else { return nil }
            guard !items.isEmpty else { throw CausewayError("\(at(line)): '\(key)' is empty") }
            return try items.map {
                guard case .integer(let i) = $0, i >= min else {
                    throw CausewayError("\(at(line)): '\(key)' must hold integers ≥ \(min) (got \($0.quoted))")
                }
                return i
            }
        }
        func names<T: RawRepresentable>(_ key: String, _: T.Type) throws -> [T]? where T.RawValue == String, T: CaseIterable {
            guard let (items, line) = try list(key) else { return nil }
            guard !items.isEmpty else { throw CausewayError("\(at(line)): '\(key)' is empty") }
            return try items.map {
                guard case .string(let s) = $0, let v = T(rawValue: s) else {
                    throw CausewayError("\(at(line)): '\(key)' value \($0.quoted) is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return v
            }
        }
        func int(_ key: String, min: Int) throws -> Int? {
            guard let e = top[key] else { return nil }
            guard case .integer(let i) = e.value, i >= min else {
                throw CausewayError("\(at(e.line)): '\(key)' must be an integer ≥ \(min) (got \(e.value.quoted))")
            }
            return i
        }

        let known: Set<String> = ["samples", "domains", "heterogeneity", "family", "seeds", "domain_embedding", "methods",
                                  "variables", "max_lag", "in_degree", "noise"]
        for e in entries where !known.contains(e.key) {
            throw CausewayError("\(at(e.line)): unknown key '\(e.key)' (known: \(known.sorted().joined(separator: ", ")); run flags go in [run])")
        }
        if entries.isEmpty && file.tables.isEmpty {
            throw CausewayError("\(path): the grid is empty: it would run one cell of defaults. Give at least samples = [...] "
                + "(rows per domain); examples/study-heterogeneity.toml explains every key")
        }
        if let v = try ints("samples", min: 2) { g.samples = v }
        if let v = try ints("domains", min: 1) { g.domains = v }
        if let v = try ints("seeds", min: 0) { g.seeds = v.map(UInt64.init) }
        if let v = try names("heterogeneity", Heterogeneity.self) { g.heterogeneity = v }
        if let v = try names("family", MechanismFamily.self) { g.family = v }
        if let v = try names("methods", StudyMethod.self) { g.methods = v }
        if let v = try names("noise", NoiseDistribution.self) {
            guard v.count == 1 else { throw CausewayError("\(at(top["noise"]!.line)): 'noise' takes one value") }
            g.noise = v[0]
        }
        if let (items, line) = try list("domain_embedding") {
            g.domainEmbedding = try items.map {
                guard case .boolean(let b) = $0 else { throw CausewayError("\(at(line)): 'domain_embedding' must hold true/false (got \($0.quoted))") }
                return b
            }
            if g.domainEmbedding.isEmpty { throw CausewayError("\(at(line)): 'domain_embedding' is empty") }
        }
        if let v = try int("variables", min: 2) { g.variables = v }
        if let v = try int("max_lag", min: 1) { g.maxLag = v }
        if let v = try int("in_degree", min: 1) {
            guard v <= g.variables else {
                throw CausewayError("\(at(top["in_degree"]?.line)): 'in_degree' \(v) is more than 'variables' \(g.variables) "
                    + "(parents per target, its own past included)")
            }
            g.inDegree = v
        }

        func flags(_ table: String) throws -> [(String, GridValue)] {
            try file.entries(in: table) { "[\(table)] \($0)" }.map { e in
                // a flag name goes on a command line: a bare TOML key (quoted keys may hold anything)
                guard !e.key.isEmpty, e.key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                    throw CausewayError("\(at(e.line)): [\(table)] \"\(e.key)\" is not a flag name (letters, digits, _ and - only)")
                }
                let flag = e.key.replacingOccurrences(of: "_", with: "-")
                if case .array = e.value { throw CausewayError("\(at(e.line)): [\(table)] \(e.key): one value per flag (lists belong at the top level)") }
                if table == "run" && reservedRunFlags.contains(flag) {
                    throw CausewayError("\(at(e.line)): [run] \(e.key) is set by the study itself (per cell); remove it")
                }
                return (flag, e.value)
            }
        }
        g.runFlags = try flags("run")
        g.runFlagLocations = try file.entries(in: "run") { $0 }.map { at($0.line) }
        g.baselineFlags = try flags("baselines")
        // the cells are built below: refuse a grid too large to run before building it
        let sizes = [g.heterogeneity.count, g.family.count, g.domains.count, g.samples.count, g.seeds.count]
        let cellCount = sizes.reduce(1.0) { $0 * Double($1) }
        guard cellCount <= Double(maxCells) else {
            throw CausewayError("\(path): the grid has \(cellCount < 1e15 ? String(Int(cellCount)) : "\(cellCount)") cells (heterogeneity × family × domains × samples × seeds = \(sizes.map(String.init).joined(separator: " × "))); at most \(maxCells): split it into several grids")
        }
        // every cell must be a valid generator configuration
        for cell in g.cells {
            do { try g.generatorConfig(cell).validate() } catch let e as CausewayError {
                throw CausewayError("\(path): cell \(cell.index) (samples \(cell.samples), domains \(cell.domains)) is not a valid dataset: \(e.message)")
            }
        }
        return g
    }

    /// The cross product, seeds varying fastest.
    public var cells: [StudyCell] {
        var out: [StudyCell] = []
        for h in heterogeneity {
            for f in family {
                for d in domains {
                    for n in samples {
                        for s in seeds {
                            out.append(StudyCell(index: out.count, samples: n, domains: d, heterogeneity: h, family: f, seed: s))
                        }
                    }
                }
            }
        }
        return out
    }

    public func generatorConfig(_ cell: StudyCell) -> GeneratorConfig {
        var c = GeneratorConfig()
        c.variables = variables
        c.maxLag = maxLag
        c.inDegree = min(inDegree, variables)
        c.samples = cell.samples
        c.domains = cell.domains
        c.family = cell.family
        c.heterogeneity = cell.heterogeneity
        c.noise = noise
        c.seed = cell.seed
        return c
    }

    /// Everything besides the cell parameters that changes a cell's results, one line each.
    /// The [run] flags set to false, as `--no-FLAG` (the study passes them so to on/off flags):
    /// part of the settings, so turning one off or on again is a change of settings.
    var offFlags: [String] {
        runFlags.compactMap { flag, value in value == .boolean(false) ? "--no-" + flag : nil }
    }

    public var settingsDescription: String {
        "variables \(variables), max_lag \(maxLag), in_degree \(inDegree), noise \(noise.rawValue)\n"
            + "run: \((StudyGrid.arguments(runFlags) + offFlags).joined(separator: " "))\n"
            + "baselines: \(StudyGrid.arguments(baselineFlags).joined(separator: " "))\n"
    }

    /// The runs every cell gets: Causeway once per domain-embedding setting, then each baseline.
    public var variants: [StudyVariant] {
        (methods.contains(.causeway) ? domainEmbedding.map { StudyVariant(method: .causeway, domainEmbedding: $0) } : [])
            + methods.filter { $0 != .causeway }.map { StudyVariant(method: $0, domainEmbedding: false) }
    }

    /// `--flag value` arguments from a flag table (true → `--flag`, false → nothing; `causeway
    /// study` turns false into `--no-flag` for on/off flags of `run`).
    public static func arguments(_ flags: [(String, GridValue)]) -> [String] {
        flags.flatMap { flag, value -> [String] in
            switch value {
            case .boolean(let b): return b ? ["--" + flag] : []
            default:   // a value starting with '-' (a negative number) joined with '=', else it reads as an option
                return value.text.hasPrefix("-") ? ["--" + flag + "=" + value.text] : ["--" + flag, value.text]
            }
        }
    }
}
