import Testing
@testable import Causeway

/// A small stable linear VAR generated in-process (tests never read ../shared):
/// x_{i,t} = 0.6·x_{i,t−1} + 0.5·x_{(i+1) mod p, t−2} + noise.
func smallVARSource(variables p: Int = 4, rows: Int = 600, seed: UInt64 = 1) -> Series {
    var rng = RNG(seed: seed)
    var x = [Float](repeating: 0, count: rows * p)
    for t in 0..<rows {
        for i in 0..<p {
            var v = rng.gaussian() * 0.5
            if t >= 1 { v += 0.6 * Double(x[(t - 1) * p + i]) }
            if t >= 2 { v += 0.3 * Double(x[(t - 2) * p + (i + 1) % p]) }
            x[t * p + i] = Float(v)
        }
    }
    return Series(rows: rows, columns: p, values: x)
}

/// A small generated dataset for CLI tests (4 variables, max lag 2, 1,500 rows, seed 3) in
/// `f/data`; returns its manifest path.
func smallGeneratedDataset(_ f: TempFolder) throws -> String {
    let g = try runCLI(["generate", "--variables", "4", "--max-lag", "2", "--in-degree", "2", "--samples", "1500",
                        "--seed", "3", "--out", f.path + "/data"])
    #expect(g.status == 0, "\(g.stderr)")
    return f.path + "/data/manifest.json"
}
