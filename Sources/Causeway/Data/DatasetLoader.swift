import Foundation

/// Reads what the user passed to --data into a validated `Dataset`.
public enum DatasetLoader {
    /// path ends in .csv → one domain; .npy → one domain (memory-mapped);
    /// .json → manifest of several domains. `header == false` means CSV files have no
    /// header row (names are then x0, x1, …).
    public static func load(path: String, header: Bool = true) throws -> Dataset {
        try requireFile(path)
        switch fileExtension(path) {
        case "csv":
            let table = try CSVReader.read(path: path, header: header)
            return Dataset(variables: table.names, domains: [DomainData(name: baseName(path), path: path, series: table.series)], path: path)
        case "npy":
            let series = try NPYReader.read(path: path)
            return Dataset(variables: (0..<series.columns).map { "x\($0)" },
                           domains: [DomainData(name: baseName(path), path: path, series: series)], path: path)
        case "json":
            return try loadManifest(path: path, header: header)
        default:
            throw CausewayError("\(path): unsupported file type '.\(fileExtension(path))'; use .csv, .npy or a .json manifest")
        }
    }

    // MARK: - Implementation details

    private static func loadManifest(path: String, header: Bool) throws -> Dataset {
        let manifest = try Manifest.read(path: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var domains: [DomainData] = []
        for d in manifest.domains {
            let file = d.path.hasPrefix("/") ? d.path : folder.appendingPathComponent(d.path).path
            do { try requireFile(file) } catch let e as CausewayError {
                throw CausewayError("\(e.message) (domain '\(d.name)' of \(path))")
            }
            let series: Series
            switch fileExtension(file) {
            case "csv":
                let table = try CSVReader.read(path: file, header: header)
                if header { try match(table.names, manifest.variables, file: file, manifest: path) }
                series = table.series
            case "npy":
                series = try NPYReader.read(path: file)
            default:
                throw CausewayError("\(file): unsupported domain file type '.\(fileExtension(file))' in \(path); use .csv or .npy")
            }
            guard series.columns == manifest.variables.count else {
                throw CausewayError("\(file): \(series.columns) columns, but \(path) lists \(manifest.variables.count) variables")
            }
            domains.append(DomainData(name: d.name, path: file, series: series))
        }
        return Dataset(variables: manifest.variables, domains: domains, path: path)
    }

    /// A domain's CSV header must equal the manifest's variables, in order.
    private static func match(_ names: [String], _ variables: [String], file: String, manifest: String) throws {
        for j in 0..<max(names.count, variables.count) {
            let got = j < names.count ? "'\(names[j])'" : "nothing"
            let want = j < variables.count ? "'\(variables[j])'" : "nothing"
            if got != want {
                throw CausewayError("\(file):1: column \(j + 1) is \(got) but \(manifest) lists \(want); every domain must have the manifest's variables in order")
            }
        }
    }

    private static func requireFile(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw CausewayError("\(path): no such file")
        }
        if isDir.boolValue { throw CausewayError("\(path): is a folder; pass a .csv, .npy or manifest .json file") }
    }

    private static func fileExtension(_ path: String) -> String {
        URL(fileURLWithPath: path).pathExtension.lowercased()
    }

    private static func baseName(_ path: String) -> String {
        URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }
}
