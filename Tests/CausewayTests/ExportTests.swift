import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import ZIPFoundation
@testable import Causeway

/// graph.npz (tigramite's layout) and graph.graphml, read back with independent readers: the
/// zip library's reader plus the NPY bytes decoded here by hand, and Foundation's XML parser.
/// (The Python tests of scripts/test-python read both with numpy, tigramite and networkx.)
@Suite struct ExportTests {
    // p = 3, L = 2: S[lag, source, target] = lag + 10·source + 100·target (distinct values)
    static func expected(_ lag: Int, _ source: Int, _ target: Int) -> Float {
        let v: Int = lag + 10 * source + 100 * target
        return Float(v)
    }
    static let scores = ScoreTensor(maxLag: 2, variables: 3, values: (0..<18).map { (k: Int) -> Float in
        expected(k / 9 + 1, k / 3 % 3, k % 3)
    })
    // p-values k/100, and NaN (untested) for candidate k = 5
    static let pValues = ScoreTensor(maxLag: 2, variables: 3, values: (0..<18).map { $0 == 5 ? .nan : Float($0) / 100 })
    static let edges = [LaggedEdge(source: 0, target: 1, lag: 2), LaggedEdge(source: 2, target: 2, lag: 1),
                        LaggedEdge(source: 0, target: 1, lag: 1)]

    /// The members of an npz: name → (descr, shape, payload bytes).
    func members(_ data: Data) throws -> [String: (descr: String, shape: [Int], payload: Data)] {
        let archive = try Archive(data: data, accessMode: .read)
        var out: [String: (String, [Int], Data)] = [:]
        for entry in archive {
            var bytes = Data()
            _ = try archive.extract(entry) { bytes.append($0) }
            #expect(entry.type == .file)
            #expect(bytes.prefix(6) == Data([0x93] + Array("NUMPY".utf8)))
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            #expect((10 + headerLength) % 64 == 0)
            let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
            func field(_ pattern: String) throws -> String {
                let match = try #require(try Regex(pattern).firstMatch(in: header))
                return String(try #require(match.output[1].substring))
            }
            let descr = try field(#"'descr': '([^']+)'"#)
            let shape = try field(#"'shape': \(([^)]*)\)"#)
                .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            out[entry.path] = (String(descr), shape, bytes.subdata(in: (10 + headerLength)..<bytes.count))
        }
        return out
    }

    func doubles(_ d: Data) -> [Double] {
        stride(from: 0, to: d.count, by: 8).map { k in
            Double(bitPattern: d.subdata(in: k..<(k + 8)).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        }
    }

    func strings(_ d: Data, width: Int) -> [String] {
        stride(from: 0, to: d.count, by: 4 * width).map { k in
            var s = ""
            for c in 0..<width {
                let v = d.subdata(in: (k + 4 * c)..<(k + 4 * c + 4)).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
                if v != 0 { s.unicodeScalars.append(Unicode.Scalar(v)!) }
            }
            return s
        }
    }

    @Test func npzHoldsTigramitesArrays() throws {
        let data = try TigramiteExport.data(edges: Self.edges, scores: Self.scores, pValues: Self.pValues,
                                            variables: ["a", "β", "c"])
        let m = try members(data)
        #expect(Set(m.keys) == ["graph.npy", "val_matrix.npy", "p_matrix.npy", "var_names.npy"])
        let graph = try #require(m["graph.npy"])
        #expect(graph.descr == "<U3" && graph.shape == [3, 3, 3])
        let g = strings(graph.payload, width: 3)
        // [i, j, τ] → flat (i·p + j)·(L+1) + τ
        for i in 0..<3 {
            for j in 0..<3 {
                for tau in 0...2 {
                    let edge = tau > 0 && Self.edges.contains(LaggedEdge(source: i, target: j, lag: tau))
                    #expect(g[(i * 3 + j) * 3 + tau] == (edge ? "-->" : ""), "graph[\(i), \(j), \(tau)]")
                }
            }
        }
        let val = try #require(m["val_matrix.npy"]), pm = try #require(m["p_matrix.npy"])
        #expect(val.descr == "<f8" && val.shape == [3, 3, 3] && pm.shape == [3, 3, 3])
        let v = doubles(val.payload), pv = doubles(pm.payload)
        for i in 0..<3 {
            for j in 0..<3 {
                #expect(v[(i * 3 + j) * 3] == 0 && pv[(i * 3 + j) * 3] == 1)
                for tau in 1...2 {
                    let want = Double(Self.expected(tau, i, j))
                    #expect(v[(i * 3 + j) * 3 + tau] == want)
                    let p = Self.pValues[tau, i, j]
                    #expect(pv[(i * 3 + j) * 3 + tau] == (p.isNaN ? 1 : Double(p)))
                }
            }
        }
        let names = try #require(m["var_names.npy"])
        #expect(names.descr == "<U1" && strings(names.payload, width: 1) == ["a", "β", "c"])
        // the same graph gives the same bytes (fixed time stamps)
        #expect(try TigramiteExport.data(edges: Self.edges, scores: Self.scores, pValues: Self.pValues,
                                         variables: ["a", "β", "c"]) == data)
    }

    @Test func npzWithoutPValuesHasNoPMatrix() throws {
        let m = try members(try TigramiteExport.data(edges: [], scores: Self.scores, pValues: nil, variables: ["a", "b", "c"]))
        #expect(Set(m.keys) == ["graph.npy", "val_matrix.npy", "var_names.npy"])
        #expect(m["graph.npy"]!.descr == "<U1")   // all empty: numpy's minimum width
    }

    @Test func exportsRefuseMismatchedShapes() throws {
        FuzzRegressionTests.expectError("graph.npz") { _ = try TigramiteExport.data(edges: [], scores: Self.scores, pValues: nil, variables: ["a"]) }
        FuzzRegressionTests.expectError("lag 3") {
            _ = try TigramiteExport.data(edges: [LaggedEdge(source: 0, target: 1, lag: 3)], scores: Self.scores,
                                         pValues: nil, variables: ["a", "b", "c"])
        }
        FuzzRegressionTests.expectError("graph.graphml") {
            _ = try GraphMLWriter.text(edges: [], scores: Self.scores, pValues: ScoreTensor(maxLag: 1, variables: 3),
                                       qValues: nil, variables: ["a", "b", "c"])
        }
    }

    @Test func graphMLParsesWithOneEdgePerLag() throws {
        let text = try GraphMLWriter.text(edges: Self.edges, scores: Self.scores, pValues: Self.pValues, qValues: Self.pValues,
                                          variables: ["a<1>", "b&b", "c\"q"])
        let doc = try XMLDocument(data: Data(text.utf8))
        // children by local name (the GraphML namespace is the default one)
        func children(_ e: XMLElement, _ name: String) -> [XMLElement] {
            (e.children ?? []).compactMap { $0 as? XMLElement }.filter { ($0.localName ?? $0.name) == name }
        }
        func attribute(_ e: XMLElement, _ name: String) -> String? {
            e.attributes?.first { ($0.localName ?? $0.name) == name || $0.name == name }?.stringValue
        }
        let root = try #require(doc.rootElement())
        #expect(root.localName == "graphml")
        #expect(Set(children(root, "key").compactMap { attribute($0, "attr.name") }) == ["lag", "score", "p_value", "q_value"])
        let graph = try #require(children(root, "graph").first)
        #expect(attribute(graph, "edgedefault") == "directed")
        #expect(children(graph, "node").compactMap { attribute($0, "id") } == ["a<1>", "b&b", "c\"q"])
        let edges = children(graph, "edge")
        #expect(edges.count == 3)
        var seen: [(String, String, Int, Double)] = []
        for e in edges {
            var data: [String: String] = [:]
            for d in children(e, "data") { data[attribute(d, "key") ?? ""] = d.stringValue }
            seen.append((attribute(e, "source") ?? "", attribute(e, "target") ?? "",
                         Int(data["lag"] ?? "") ?? -1, Double(data["score"] ?? "") ?? .nan))
            #expect(data["p_value"] != nil && data["q_value"] != nil)
        }
        #expect(seen.map(\.0) == ["a<1>", "a<1>", "c\"q"] && seen.map(\.2) == [1, 2, 1])
        #expect(seen.map(\.3) == [Double(Self.scores[1, 0, 1]), Double(Self.scores[2, 0, 1]), Double(Self.scores[1, 2, 2])])
    }

    @Test func provenanceNumbersAreJSONNumbers() throws {
        let data = try GraphWriter.jsonData(edges: [], scores: Self.scores, variables: ["a", "b", "c"],
                                            provenance: ["seed": .count(UInt64(7)), "training_s": .seconds(1.234),
                                                         "data": "x.csv", "huge": .count(UInt64.max)])
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(root["schema_version"] as? Int == GraphWriter.schemaVersion)
        let p = try #require(root["provenance"] as? [String: Any])
        #expect(p["seed"] as? Int == 7 && p["training_s"] as? Double == 1.23 && p["data"] as? String == "x.csv")
        #expect(p["huge"] as? String == "18446744073709551615")
        let folder = TempFolder()
        let path = folder.file("graph.json", String(decoding: data, as: UTF8.self))
        let back = try GraphFile.read(path: path)
        #expect(back.provenance["seed"] == ProvenanceValue.integer(7))
        #expect(back.provenance["training_s"] == ProvenanceValue.number(1.23))
    }
}
