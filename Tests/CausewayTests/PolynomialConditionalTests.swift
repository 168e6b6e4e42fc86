import Foundation
import Testing
@testable import Causeway

/// The additive conditional model of the null draw (`PolynomialConditional`) against least
/// squares solved independently on explicitly built features.
@Suite struct PolynomialConditionalTests {
    /// Windows of m = 4 inputs tied nonlinearly in two pairs: z1 = 4·z0(1 − z0) + noise (a
    /// logistic-map step) and z2 = |z3 − 0.5| + noise (a tent), z0 and z3 independent uniforms.
    static let m = 4
    static func tiedInputs(n: Int, seed: UInt64) -> [Double] {
        var rng = RNG(seed: seed)
        var z = [Double](repeating: 0, count: n * m)
        func uniform() -> Double { 0.05 + 0.9 * Double(rng.int(1_000_000)) / 1_000_000 }
        for w in 0..<n {
            let x = uniform(), y = uniform()
            z[w * m] = x
            z[w * m + 1] = 4 * x * (1 - x) + 0.01 * rng.gaussian()
            z[w * m + 2] = abs(y - 0.5) + 0.01 * rng.gaussian()
            z[w * m + 3] = y
        }
        return z
    }

    /// E[z_c | z_−c] equals the least-squares fit of z_c on an intercept and the others'
    /// Hermite and hinge features, built here from their definitions (knots at the sorted
    /// z-scored column's (j + 1)·n/(K + 1)-th value) and solved by Gaussian elimination.
    @Test func meansAreTheLeastSquaresFitOnTheOthersFeatures() throws {
        let n = 2000, m = Self.m
        let z = Self.tiedInputs(n: n, seed: 5)
        for (degree, knots) in [(1, 0), (3, 0), (2, 3), (3, 4)] {
            let model = try z.withUnsafeBufferPointer {
                try PolynomialConditional(windows: $0.baseAddress!, rows: n, inputs: m, degree: degree, knots: knots, ridge: 0)
            }
            var means = [Double](repeating: 0, count: n * m)
            z.withUnsafeBufferPointer { zp in means.withUnsafeMutableBufferPointer { model.conditionalMeans(zp.baseAddress!, rows: n, into: $0.baseAddress!) } }
            // z-scored columns and their knots
            var u = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
            var knotsOf = [[Double]](repeating: [], count: m)
            for c in 0..<m {
                let col = (0..<n).map { z[$0 * m + c] }
                let mean = col.reduce(0, +) / Double(n)
                let sd = (col.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)).squareRoot()
                u[c] = col.map { ($0 - mean) / sd }
                let sorted = u[c].sorted()
                knotsOf[c] = (0..<knots).map { sorted[($0 + 1) * n / (knots + 1)] }
            }
            func features(_ c: Int, _ w: Int) -> [Double] {
                let x = u[c][w]
                return [x, x * x - 1, x * x * x - 3 * x].prefix(degree) + knotsOf[c].map { max(0, x - $0) }
            }
            for c in 0..<m {
                let others = (0..<m).filter { $0 != c }
                let rows = (0..<n).map { w in [1.0] + others.flatMap { features($0, w) } }
                let k = rows[0].count
                var xtx = [Double](repeating: 0, count: k * k), xty = [Double](repeating: 0, count: k)
                for w in 0..<n { for i in 0..<k { xty[i] += rows[w][i] * z[w * m + c]; for j in 0..<k { xtx[i * k + j] += rows[w][i] * rows[w][j] } } }
                let beta = solveLinearSystem(xtx, xty, k)
                for w in stride(from: 0, to: n, by: 97) {
                    let fit = (0..<k).reduce(0.0) { $0 + beta[$1] * rows[w][$1] }
                    #expect(isClose(means[w * m + c], fit, rel: 1e-7, abs: 1e-9), "degree \(degree), knots \(knots), input \(c), window \(w)")
                }
            }
            #expect(isClose(model.residualScale, (2.0 * Double(n) / Double(n - (degree + knots) * (m - 1) - 1) - 1).squareRoot(), rel: 1e-12, abs: 0))
        }
    }

    /// The ties the linear model misses: the logistic step's residual is the noise (0.01) with
    /// cubic terms, and the tent's with hinges; the linear model leaves most of their variance.
    @Test func nonlinearTiesAreCaptured() throws {
        let n = 4000, m = Self.m
        let z = Self.tiedInputs(n: n, seed: 8)
        func residualSD(_ model: any ConditionalModel, _ c: Int) -> Double {
            var means = [Double](repeating: 0, count: n * m)
            z.withUnsafeBufferPointer { zp in means.withUnsafeMutableBufferPointer { model.conditionalMeans(zp.baseAddress!, rows: n, into: $0.baseAddress!) } }
            return ((0..<n).map { pow(z[$0 * m + c] - means[$0 * m + c], 2) }.reduce(0, +) / Double(n)).squareRoot()
        }
        let linear = try z.withUnsafeBufferPointer { try GaussianConditional(windows: $0.baseAddress!, rows: n, inputs: m) }
        let cubic = try z.withUnsafeBufferPointer { try PolynomialConditional(windows: $0.baseAddress!, rows: n, inputs: m, degree: 3, knots: 0) }
        let hinges = try z.withUnsafeBufferPointer { try PolynomialConditional(windows: $0.baseAddress!, rows: n, inputs: m, degree: 3, knots: 4) }
        #expect(residualSD(linear, 1) > 0.2)          // 4x(1 − x) on x is not linear
        #expect(residualSD(cubic, 1) < 0.015)         // it is quadratic: the noise (0.01) is left
        #expect(residualSD(linear, 2) > 0.1)          // nor is |y − 0.5| on y
        #expect(residualSD(cubic, 2) > 0.03)          // a kink is not a cubic…
        #expect(residualSD(hinges, 2) < 0.025)        // …but hinges near it fit it
    }

    /// The basis the tests use grows with the windows per input: ≥ 10 windows per feature.
    @Test func basisFollowsTheWindowsPerInput() {
        #expect(PredictiveImpact.conditionalBasis(windows: 2000, inputs: 15) == (3, 4))    // 2000 ≥ 10·7·15
        #expect(PredictiveImpact.conditionalBasis(windows: 1000, inputs: 30) == (3, 0))    // < 2100, ≥ 900
        #expect(PredictiveImpact.conditionalBasis(windows: 198, inputs: 10) == (1, 0))     // fMRI-sized
        #expect(PredictiveImpact.conditionalBasis(windows: 20000, inputs: 3000) == (1, 0)) // p = 1,000
    }
}
