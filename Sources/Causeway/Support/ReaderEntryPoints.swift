import Foundation

/// One entry point per input reader that takes raw bytes: what the libFuzzer targets in `fuzz/`
/// call (`scripts/fuzz` builds and runs them), and a way to replay one of their findings.
///
/// Each function feeds `data` to one reader (through a file when the reader is path-based),
/// touches what the reader returns, and returns. A `CausewayError` is the expected answer to a
/// bad input and is swallowed; anything else — another error type, a crash (trap, overflow,
/// out-of-bounds access), a hang or a huge allocation — is a bug in the reader.
///
/// Path-based readers read files in a per-process folder under the system temp folder
/// (`causeway-readers-<pid>`), created on first use and reused; each call overwrites its file.
/// The functions are not meant to be called concurrently.
public enum ReaderEntryPoints {
    /// The CSV/TSV table reader (`CSVReader.parse`). The first byte chooses the options, the
    /// rest is the table:
    /// - bit 0 set: no header row (columns named x0, x1, …);
    /// - bits 1–2: delimiter detected (0), ',' (1), ';' (2) or tab (3);
    /// - bit 3: `--time-column t`;
    /// - bit 4: the manifest's variables `["a", "b"]` are required (matched by name);
    /// - bit 5: tab as the default delimiter (as for a .tsv file);
    /// - bit 6: additionally load the table as a file through `DatasetLoader.load` with the
    ///   same table options (time axis, index-column detection, missing-cell policy), with
    ///   bit 7 choosing `--missing drop-windows --difference --detrend` over the defaults.
    public static func csv(_ data: Data) {
        guard let flags = data.first else { return }
        let body = data.dropFirst()
        var options = TableOptions(header: flags & 1 == 0)
        options.delimiter = [nil, CSVReader.comma, CSVReader.semicolon, CSVReader.tab][Int(flags >> 1) & 3]
        if flags & 8 != 0 { options.timeColumn = "t" }
        let variables: [String]? = flags & 16 != 0 ? ["a", "b"] : nil
        let defaultDelimiter = flags & 32 != 0 ? CSVReader.tab : CSVReader.comma
        swallowingCausewayErrors {
            let table = try CSVReader.parse(Data(body), file: "fuzz.csv", options: options, variables: variables,
                                            defaultDelimiter: defaultDelimiter)
            touch(table.series)
            _ = table.time?.count
        }
        guard flags & 64 != 0 else { return }
        let path = scratch("in" + (flags & 32 != 0 ? ".tsv" : ".csv"), body)
        let policy = flags & 128 != 0
            ? LoadOptions(table: options, missing: .dropWindows, difference: true, detrend: true)
            : LoadOptions(table: options)
        swallowingCausewayErrors { touch(try DatasetLoader.load(path: path, options: policy)) }
    }

    /// The NPY reader: `NPYFormat.parseHeader` on the bytes, then `NPYReader.read(path:)` on
    /// them as a file (memory-mapped; integer arrays converted), reading every element.
    public static func npy(_ data: Data) {
        swallowingCausewayErrors {
            _ = try data.withUnsafeBytes { try NPYFormat.parseHeader($0, file: "fuzz.npy") }
        }
        let path = scratch("in.npy", data)
        swallowingCausewayErrors { touch(try NPYReader.read(path: path).series) }
    }

    /// The manifest reader: `Manifest.read(path:)`, then `DatasetLoader.load(path:)` on the same
    /// manifest. Its folder holds small fixed domain files the manifest may name: `a.csv`
    /// (columns x, y, z), `b.csv` (z, x, y), `c.tsv` (x, y, z), `d.npy` (3 float64 columns),
    /// `e.csv` (x, y, z with a missing cell) and `f.csv` (t, x, y, z with dates in t).
    public static func manifest(_ data: Data) {
        let path = scratch("manifest.json", data)
        _ = domainFiles
        swallowingCausewayErrors {
            let m = try Manifest.read(path: path)
            _ = try m.encoded()
        }
        swallowingCausewayErrors { touch(try DatasetLoader.load(path: path)) }
    }

    /// The study grid reader: `StudyGrid.read(path:)` (TOMLKit, the key-line lookup and the grid's checks),
    /// then the cells, runs and flag arguments it describes.
    public static func studyGrid(_ data: Data) {
        let path = scratch("grid.toml", data)
        swallowingCausewayErrors {
            let grid = try StudyGrid.read(path: path)
            _ = grid.cells.count
            _ = grid.variants.count
            _ = grid.settingsDescription
        }
    }

    /// The ground-truth reader: `TruthFile.read(path:variables:)` with variables x0, x1, x2, a, b.
    public static func truth(_ data: Data) {
        let path = scratch("truth.csv", data)
        swallowingCausewayErrors { _ = try TruthFile.read(path: path, variables: ["x0", "x1", "x2", "a", "b"]) }
    }

    /// The checkpoint reader: `Checkpoint.read(path:)` on the bytes as given, and again with the
    /// last 8 bytes replaced by the right checksum (so that inputs get past the checksum to the
    /// header and the parameter arrays).
    public static func checkpoint(_ data: Data) {
        let path = scratch("checkpoint.bin", data)
        swallowingCausewayErrors { _ = try Checkpoint.read(path: path) }
        guard data.count >= 8 else { return }
        var fixed = Data(data.dropLast(8))
        withUnsafeBytes(of: fnv1a(fixed).littleEndian) { fixed.append(contentsOf: $0) }
        let fixedPath = scratch("checkpoint-fixed.bin", fixed)
        swallowingCausewayErrors { _ = try Checkpoint.read(path: fixedPath) }
    }

    // MARK: - Implementation details

    /// Runs `body`; a `CausewayError` is an expected answer to bad input. Any other error is a
    /// finding: it stops the process so that the fuzzer records the input.
    private static func swallowingCausewayErrors(_ body: () throws -> Void) {
        do {
            try body()
        } catch is CausewayError {
        } catch {
            fatalError("a reader threw \(type(of: error)) instead of CausewayError: \(error)")
        }
    }

    private static func touch(_ s: Series) {
        var sum = 0.0
        for t in 0..<s.rows { for j in 0..<s.columns { sum += s.value(t, j) } }
        blackHole(sum)
    }

    private static func touch(_ d: Dataset) {
        for domain in d.domains { touch(domain.series) }
    }

    @inline(never) private static func blackHole(_ x: Double) { if x == 0x1p-1074 { print("") } }

    /// The per-process folder of scratch files.
    private static let folder: String = {
        let path = NSTemporaryDirectory() + "causeway-readers-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// Writes `data` to `name` in the scratch folder (replacing it) and returns its path.
    /// Plain open/write/close: FileManager's atomic replace costs more than most reads.
    private static func scratch(_ name: String, _ data: Data) -> String {
        let path = folder + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { fatalError("cannot write the scratch file \(path)") }
        defer { close(fd) }
        data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                guard n > 0 else { fatalError("cannot write the scratch file \(path)") }
                done += n
            }
        }
        return path
    }

    /// Written once per process, on first use.
    private static let domainFiles: Void = writeDomainFiles()

    private static func writeDomainFiles() {
        let rows: [(Double, Double, Double)] = (0..<12).map { (t: Int) in
            let x = Double(t % 5) * 0.5, y = Double((t * 7) % 11) - 3, z = Double(t * t % 13) / 4
            return (x, y, z)
        }
        func csv(_ header: String, _ sep: String, _ line: (Int, (Double, Double, Double)) -> [String]) -> Data {
            Data(([header] + rows.enumerated().map { line($0, $1).joined(separator: sep) }).joined(separator: "\n").utf8)
        }
        _ = scratch("a.csv", csv("x,y,z", ",") { _, r in ["\(r.0)", "\(r.1)", "\(r.2)"] })
        _ = scratch("b.csv", csv("z,x,y", ",") { _, r in ["\(r.2)", "\(r.0)", "\(r.1)"] })
        _ = scratch("c.tsv", csv("x\ty\tz", "\t") { _, r in ["\(r.1)", "\(r.2)", "\(r.0)"] })
        _ = scratch("e.csv", csv("x,y,z", ",") { t, r in ["\(r.0)", t == 4 ? "NA" : "\(r.1)", "\(r.2)"] })
        _ = scratch("f.csv", csv("t,x,y,z", ",") { t, r in [String(format: "2024-01-%02d", t + 1), "\(r.0)", "\(r.1)", "\(r.2)"] })
        var npy = Data(NPYFormat.magic + [1, 0])
        var dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(rows.count), 3), }"
        while (10 + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        withUnsafeBytes(of: UInt16(dict.utf8.count).littleEndian) { npy.append(contentsOf: $0) }
        npy.append(contentsOf: Array(dict.utf8))
        for r in rows { for v in [r.0, r.1, r.2] { withUnsafeBytes(of: v.bitPattern.littleEndian) { npy.append(contentsOf: $0) } } }
        _ = scratch("d.npy", npy)
    }
}
