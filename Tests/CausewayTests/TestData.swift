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
