import Foundation
import ZIPFoundation

/// Writes the graph as `graph.npz` in the layout of tigramite's PCMCI results, so that
/// `tigramite.plotting.plot_time_series_graph(graph=r["graph"], val_matrix=r["val_matrix"],
/// var_names=r["var_names"])` and `plot_graph(...)` draw it (tigramite: Runge et al. 2019,
/// https://github.com/jakobrunge/tigramite; its `graph` convention: entry [i, j, τ] is the link
/// X_i(t−τ) → X_j(t)).
///
/// Arrays in the archive (numpy `.npy` members of a deflate-compressed zip, as
/// `np.savez_compressed` writes; at p = 1,000 the arrays hold 112 MB, mostly empty slots):
/// - `graph`: `<U3` [p, p, L+1], `"-->"` for every reported edge (source i, target j, lag τ),
///   `""` elsewhere; τ = 0 (contemporaneous) is always `""`: Causeway tests lagged links only.
/// - `val_matrix`: float64 [p, p, L+1], the Causeway score S[τ, i, j]; 0 at τ = 0.
/// - `p_matrix`: float64 [p, p, L+1], the candidate's p-value; 1 at τ = 0. Only when
///   p-values exist (a p-value rule, or tests that ran).
/// - `var_names`: `<U…` [p].
/// Note the axis order differs from scores.npy ([L, p, p], indexed (lag−1, source, target)).
public enum TigramiteExport {
    /// - Throws: `CausewayError` when `variables` or `pValues` does not match `scores`, an edge
    ///   is out of range, or the file cannot be written.
    public static func write(edges: [LaggedEdge], scores: ScoreTensor, pValues: ScoreTensor?, variables: [String],
                             to path: String) throws {
        try AtomicFile.write(try data(edges: edges, scores: scores, pValues: pValues, variables: variables), to: path)
    }

    static func data(edges: [LaggedEdge], scores: ScoreTensor, pValues: ScoreTensor?, variables: [String]) throws -> Data {
        let p = scores.variables, L = scores.maxLag, slots = L + 1
        guard variables.count == p else { throw CausewayError("graph.npz: \(variables.count) variable names for \(p) variables") }
        if let pValues, pValues.maxLag != L || pValues.variables != p {
            throw CausewayError("graph.npz: p-values of shape [\(pValues.maxLag), \(pValues.variables), \(pValues.variables)] for scores [\(L), \(p), \(p)]")
        }
        func at(_ i: Int, _ j: Int, _ tau: Int) -> Int { (i * p + j) * slots + tau }
        var graph = [String](repeating: "", count: p * p * slots)
        for e in edges {
            guard (0..<p).contains(e.source), (0..<p).contains(e.target), (1...L).contains(e.lag) else {
                throw CausewayError("graph.npz: edge \(e.source)→\(e.target) at lag \(e.lag) is outside \(p) variables and lags 1...\(L)")
            }
            graph[at(e.source, e.target, e.lag)] = "-->"
        }
        var values = [Double](repeating: 0, count: p * p * slots)
        var pMatrix = [Double](repeating: 1, count: p * p * slots)
        for tau in 1...L {
            for i in 0..<p {
                for j in 0..<p {
                    values[at(i, j, tau)] = Double(scores[tau, i, j])
                    if let pValues, !pValues[tau, i, j].isNaN { pMatrix[at(i, j, tau)] = Double(pValues[tau, i, j]) }   // untested: 1
                }
            }
        }
        var members: [(String, Data)] = [
            ("graph.npy", NPYWriter.unicode(shape: [p, p, slots], values: graph)),
            ("val_matrix.npy", NPYWriter.float64(shape: [p, p, slots], values: values)),
        ]
        if pValues != nil { members.append(("p_matrix.npy", NPYWriter.float64(shape: [p, p, slots], values: pMatrix))) }
        members.append(("var_names.npy", NPYWriter.unicode(shape: [p], values: variables)))
        return try zip(members)
    }

    /// A deflate-compressed zip of the members, with a fixed time stamp (1980-01-01) so that the
    /// same graph always gives the same bytes.
    static func zip(_ members: [(String, Data)]) throws -> Data {
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            let stamp = Date(timeIntervalSince1970: 315_532_800)
            for (name, bytes) in members {
                try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: stamp,
                                     compressionMethod: .deflate) { position, size in
                    bytes.subdata(in: Int(position)..<(Int(position) + size))
                }
            }
            guard let data = archive.data else { throw CausewayError("graph.npz: the zip archive is empty") }
            return data
        } catch let e as CausewayError {
            throw e
        } catch {
            throw CausewayError("graph.npz: cannot build the zip archive: \(error)")
        }
    }
}
