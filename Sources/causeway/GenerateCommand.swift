import ArgumentParser
import Causeway
import Foundation

extension MechanismFamily: ExpressibleByArgument {}
extension Heterogeneity: ExpressibleByArgument {}
extension NoiseDistribution: ExpressibleByArgument {}
extension DataFormat: ExpressibleByArgument {}

/// `causeway generate`: writes a synthetic multi-domain dataset with its true lagged graph.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate synthetic time series with a known lagged causal graph.",
        discussion: """
            Writes manifest.json, domain0.csv… (or .npy), truth.csv and config.json into --out. \
            Every target gets exactly --in-degree lagged parents; mechanisms are contractions \
            (Lipschitz ≤ 0.9 over the parents), so series stay bounded.
            """)

    @Option(help: "Number of variables (≥ 2).") var variables = 10
    @Option(name: .customLong("max-lag"), help: "Largest lag of a true edge (≥ 1).") var maxLag = 5
    @Option(name: .customLong("in-degree"), help: "Parents per target, self included (1…variables; default: 3, or the number of variables when fewer).") var inDegree: Int?
    @Option(help: "Rows per domain, kept after burn-in (> max-lag + 1).") var samples = 2000
    @Option(help: "Number of domains sharing the graph (≥ 1).") var domains = 1
    @Option(help: "Mechanism family.") var family: MechanismFamily = .linear
    @Option(help: "regular: new parameters per domain; extreme: also a random family per domain.")
    var heterogeneity: Heterogeneity = .regular
    @Option(help: "Noise distribution (scaled to unit variance).") var noise: NoiseDistribution = .gaussian
    @Option(name: .customLong("noise-scale"), help: "Noise standard deviation (> 0).") var noiseScale = 1.0
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(name: .customLong("burn-in"), help: "Steps simulated and discarded first (≥ 0).") var burnIn = 500
    @Option(help: "Domain file format.") var format: DataFormat = .csv
    @Option(help: "Output folder (created if missing; one that already holds files is refused unless --overwrite).") var out: String
    @Flag(help: "Write into an --out that holds files: an earlier dataset's files (manifest.json, truth.csv, config.json, domainN.csv/.npy) are removed first; other files stay.")
    var overwrite = false

    var config: GeneratorConfig {
        var c = GeneratorConfig()
        c.variables = variables
        c.maxLag = maxLag
        c.inDegree = inDegree ?? min(3, variables)
        c.samples = samples
        c.domains = domains
        c.family = family
        c.heterogeneity = heterogeneity
        c.noise = noise
        c.noiseScale = noiseScale
        c.seed = seed
        c.burnIn = burnIn
        return c
    }

    func validate() throws {
        do { try config.validate() } catch let e as CausewayError { throw ValidationError(e.message) }
        if out.isEmpty { throw ValidationError("--out must name a folder") }
    }

    /// The files `generate` writes: a dataset written earlier into the same folder is removed
    /// with --overwrite, so no domain file of it is left beside the new ones.
    static func isGeneratedFile(_ name: String) -> Bool {
        if ["manifest.json", "truth.csv", "config.json"].contains(name) { return true }
        guard name.hasPrefix("domain") else { return false }
        let stem = name.dropFirst("domain".count)
        for ext in [".csv", ".npy"] where stem.hasSuffix(ext) {
            let digits = stem.dropLast(ext.count)
            return !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
        }
        return false
    }

    func run() throws {
        // under mpirun every rank would write the same files at once: rank 0 writes them
        guard launcherRank == 0 else { return }
        let config = self.config
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: out, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw CausewayError("--out \(out): is a file, not a folder") }
            let present = ((try? fm.contentsOfDirectory(atPath: out)) ?? []).sorted()
            if !present.isEmpty {
                guard overwrite else {
                    throw CausewayError("--out \(out): holds files (\(present.prefix(4).joined(separator: ", "))\(present.count > 4 ? ", …" : "")); "
                        + "pass --overwrite to write the dataset there (an earlier generated dataset's files are replaced, others stay), or choose another folder")
                }
                // the earlier dataset's domain files are the ones its manifest lists (a user's own
                // domain10.csv stays); without a readable manifest, the domainN files
                let listed: Set<String>? = fm.contents(atPath: out + "/manifest.json")
                    .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
                    .flatMap { $0["domains"] as? [[String: Any]] }
                    .map { Set($0.compactMap { $0["path"] as? String }) }
                for name in present where Self.isGeneratedFile(name) && (!name.hasPrefix("domain") || listed?.contains(name) ?? true) {
                    try fm.removeItem(atPath: out + "/" + name)
                }
            }
        }
        let data = try SyntheticGenerator.generate(config)
        try SyntheticGenerator.write(data, config: config, to: out, format: format)
        let manifest = out.hasSuffix("/") ? out + "manifest.json" : out + "/manifest.json"
        print("\(manifest) (\(data.truth.count) edges)")
    }
}
