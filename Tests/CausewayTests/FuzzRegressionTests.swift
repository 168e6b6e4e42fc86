import Foundation
import Testing
@testable import Causeway

/// Inputs that crashed an input reader (an arithmetic-overflow trap or a multi-gigabyte
/// allocation) in the fuzz builds of `scripts/fuzz`, each written here as a literal. Every one
/// must now be refused with a `CausewayError` that says what is wrong.
@Suite struct FuzzRegressionTests {
    /// Expects `body` to throw a `CausewayError` whose message contains `words`.
    static func expectError(_ words: String, sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected an error mentioning '\(words)'", sourceLocation: sourceLocation)
        } catch let e as CausewayError {
            #expect(e.message.contains(words), "\(e.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected a CausewayError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    // MARK: - NPY

    /// The NPY reader computed rows · columns · itemsize in Int: a trap in checked builds (found
    /// by fuzz-npy; minimised to 98 bytes, below), in -Ounchecked a wrap to a small byte count
    /// and reads far past the mapping.
    @Test func npyShapeWhoseByteCountOverflowsIsTruncated() throws {
        // 666666666666666664 × 4 float32: 1.07e19 bytes (the header's tail is the fuzzer's)
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (666666666666666664, 4)DefaultInse,a@|"
        let found = [0x93] + Array("NUMPY".utf8) + [1, 0] + Self.le(UInt16(header.utf8.count)) + Array(header.utf8)
        #expect(found.count == 98)
        // (2^32, 2^32) float64: rows · columns itself overflows
        let square = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n"
        let squareBytes = [0x93] + Array("NUMPY".utf8) + [1, 0] + Self.le(UInt16(square.utf8.count))
            + Array(square.utf8) + [UInt8](repeating: 0, count: 16)
        let dir = TempFolder()
        let paths = [dir.file("found.npy", data: Data(found)), dir.file("square.npy", data: Data(squareBytes))]
        Self.expectError("truncated: shape [666666666666666664, 4] needs more than 9223372036854775807 bytes of data, file has 0") {
            _ = try NPYReader.read(path: paths[0])
        }
        Self.expectError("truncated: shape [4294967296, 4294967296] needs more than 9223372036854775807 bytes of data, file has 16") {
            _ = try NPYReader.read(path: paths[1])
        }
    }

    // MARK: - Checkpoint

    /// A checkpoint whose header (with a valid checksum) says parameter_count = 2^60:
    /// 16 · parameter_count overflowed Int.
    @Test func checkpointParameterCountWhoseSizeOverflowsIsCorrupt() throws {
        let header = Checkpoint.Header(model: ModelConfig(variables: 3, maxLag: 2, dModel: 4, layers: 1, heads: 1),
                                       training: TrainingConfig(), data: "variables [a,b,c]; domains d:120",
                                       state: TrainingState(), parameter_count: 1 << 60)
        let json = try JSONEncoder().encode(header)
        var bytes = Checkpoint.magic + Self.le(Checkpoint.version) + Self.le(UInt32(json.count)) + [UInt8](json)
        bytes += Self.le(fnv1a(bytes))
        Self.expectError("corrupt (size does not match 1152921504606846976 parameters)") {
            _ = try Checkpoint.decode(Data(bytes), path: "overflow.cwck")
        }
    }

    // MARK: - Study grid

    /// `max_lag = Int.max`: the check samples ≤ max_lag + 1 overflowed.
    @Test func studyGridLargestMaxLagIsRefused() {
        Self.expectError("is not a valid dataset: --samples must be greater than --max-lag + 1 = 9223372036854775807 + 1, got 2000") {
            _ = try StudyGrid.parse("max_lag = 9223372036854775807\n", path: "g.toml")
        }
    }

    /// A 1.5 KB grid of 80 samples × 80 domains × 80 seeds × 40 families × 40 heterogeneities
    /// (the last two one value repeated) asked for 819 million cells: a 2.7 GB allocation, then
    /// more. Repeats are now refused, and even without them 80³ cells are too many to build.
    @Test func studyGridWithTooManyCellsIsRefused() {
        let text = "samples=[\((2..<82).map(String.init).joined(separator: ","))]\n"
            + "domains=[\((1..<81).map(String.init).joined(separator: ","))]\n"
            + "seeds=[\((0..<80).map(String.init).joined(separator: ","))]\n"
        Self.expectError("g.toml: the grid has 512000 cells (heterogeneity × family × domains × samples × seeds = 1 × 1 × 80 × 80 × 80); at most 10000") {
            _ = try StudyGrid.parse(text, path: "g.toml")
        }
        let repeated = text + "family=[\(Array(repeating: "\"linear\"", count: 40).joined(separator: ","))]\n"
            + "heterogeneity=[\(Array(repeating: "\"regular\"", count: 40).joined(separator: ","))]\n"
        Self.expectError("g.toml:5: 'heterogeneity' lists \"regular\" twice") { _ = try StudyGrid.parse(repeated, path: "g.toml") }
    }

    /// Invalid TOML on which TOMLKit 0.6.0 (its toml++ 3.4.0) stopped the process with a failed
    /// assertion instead of throwing (`[` alone on a line, `[}`, `1979-05-27 5`, `1979-05-27T:`,
    /// U+2028 in an array): refused before TOMLKit is called, with the line. The same
    /// characters inside strings, comments and multi-line arrays still reach TOMLKit.
    @Test func studyGridInputsThatWouldAbortTOMLKitAreRefusedFirst() throws {
        func error(_ text: String) -> String {
            do { _ = try StudyGrid.parse(text, path: "g.toml"); return "no error" } catch let e as CausewayError { return e.message } catch { return "\(error)" }
        }
        #expect(error("samples = [300]\n[\n").hasPrefix("g.toml:2: '[' starts a table header"))
        #expect(error("[,]").hasPrefix("g.toml:1: '[' starts a table header"))
        #expect(error("  [[[run]]]").hasPrefix("g.toml:1: '[' starts a table header"))
        #expect(error("[\u{03}run]").hasPrefix("g.toml:1: '[' starts a table header"))
        #expect(error("samples = [300]  # \u{03}").hasPrefix("g.toml:1: control character U+0003"))
        #expect(error("a = 1\rb = 2").hasPrefix("g.toml:1: a carriage return without a line feed"))
        #expect(error("seeds = 1979-05-27 5").hasPrefix("g.toml:1: 'seeds' holds a date or time"))
        #expect(error("seeds = [0,\n 1979-05-27 5]").hasPrefix("g.toml:2: a date or time"))
        #expect(error("[run]\nx = 1979-05-27T:").hasPrefix("g.toml:2: 'x' holds a date or time"))
        #expect(error("[run]\nx = 07:32:00").hasPrefix("g.toml:2: 'x' holds a date or time"))
        #expect(error("seeds = [0,\n}]").hasPrefix("g.toml:2: '}' inside an array"))
        #expect(error("[run]\nx = {a = [}]}").hasPrefix("g.toml:2: '}' inside an array"))
        #expect(error("seeds = [\u{2028}]").hasPrefix("g.toml:1: line separator U+2028 outside a string"))
        // the same characters inside strings, comments and multi-line arrays are no header or date
        let g = try StudyGrid.parse("""
            samples = [
              300,
            ]   # [ 1979-05-27 5
            [run]
            label = "[ 1979-05-27 5 } \u{2028}"
            note = '''
            [,
            1979-05-27 5'''
            """, path: "g.toml")
        #expect(g.runFlags.map(\.1) == [.string("[ 1979-05-27 5 } \u{2028}"), .string("[,\n1979-05-27 5")])
        #expect(error("seeds = 1979-05-27 07:32:00").hasPrefix("g.toml:1: 'seeds' holds a date or time (grid values are"))
        // exponents and keys with '-' are no dates
        #expect(error("[baselines]\nalpha = 5e-2\n1-x = 2.5E-3") == "no error")
    }

    /// Repeated values in a list made cells with the same folder name (and multiplied the grid).
    @Test func studyGridRepeatedValuesAreRefused() {
        Self.expectError("g.toml:1: 'seeds' lists 0 twice") { _ = try StudyGrid.parse("seeds = [0, 1, 0]", path: "g.toml") }
        Self.expectError("g.toml:2: 'samples' lists 1000 twice") {
            _ = try StudyGrid.parse("\nsamples = [1_000, 1000]", path: "g.toml")
        }
        Self.expectError("g.toml:1: 'domain_embedding' lists true twice") {
            _ = try StudyGrid.parse("domain_embedding = [true, true]", path: "g.toml")
        }
    }
}
