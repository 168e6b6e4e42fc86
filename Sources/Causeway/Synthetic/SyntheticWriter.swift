import Foundation

extension SyntheticGenerator {
    /// Writes manifest.json, domain files (domain0.csv… or .npy), truth.csv (header
    /// source,target,lag with variable names) and config.json into `dir`, every file atomically.
    public static func write(_ data: SyntheticDataset, config: GeneratorConfig, to dir: String, format: DataFormat) throws {
        try AtomicFile.makeDirectory(dir)
        let p = data.variables.count
        var entries: [Manifest.Domain] = []
        for (d, values) in data.domains.enumerated() {
            let name = "domain\(d)", file = "\(name).\(format.rawValue)"
            let rows = values.count / p
            switch format {
            case .csv: try AtomicFile.write(csv(header: data.variables, values: values, columns: p), to: dir + "/" + file)
            case .npy: try AtomicFile.write(NPYWriter.float32(shape: [rows, p], values: values), to: dir + "/" + file)
            }
            entries.append(Manifest.Domain(name: name, path: file))
        }
        let families = data.domainFamilies.map(\.rawValue).joined(separator: ",")
        let source = "causeway generate: seed \(config.seed), \(config.variables) variables, max lag \(config.maxLag), "
            + "in-degree \(config.inDegree), \(config.noise.rawValue) noise x\(config.noiseScale), families per domain: \(families)"
        let manifest = Manifest(variables: data.variables, domains: entries, source: source)
        var truth = "source,target,lag\n"
        for e in data.truth { truth += "\(data.variables[e.source]),\(data.variables[e.target]),\(e.lag)\n" }
        try AtomicFile.write(truth, to: dir + "/truth.csv")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(config), to: dir + "/config.json")
        // The manifest last: its presence means the folder is complete.
        try AtomicFile.write(try manifest.encoded(), to: dir + "/manifest.json")
    }

    /// Header row then one row per time step; each Float in its shortest exact form.
    static func csv(header: [String], values: [Float], columns: Int) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(values.count * 12 + 64)
        out.append(contentsOf: Array(header.joined(separator: ",").utf8))
        out.append(UInt8(ascii: "\n"))
        for (k, v) in values.enumerated() {
            out.append(contentsOf: Array(v.description.utf8))
            out.append(UInt8(ascii: (k + 1) % columns == 0 ? "\n" : ","))
        }
        return Data(out)
    }
}
