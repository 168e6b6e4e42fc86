import Testing
@testable import Causeway

/// The gradient-energy readout against central finite differences of the last-position
/// prediction, both tokenizations. Tolerance: rel 5e-2, abs 1e-5 on the squared gradients.
@Suite struct GradientEnergyTests {
    @Test(arguments: [Tokenization.step, .variable])
    func matchesFiniteDifferences(tokens: Tokenization) {
        let p = 3, L = 3
        let config = ModelConfig(tokens: tokens, variables: p, maxLag: L, dModel: 8, layers: 1, heads: 2)
        let windows = WindowSet(sources: [smallVARSource(variables: p, rows: 40)], maxLag: L, validationFraction: 0)
        let samples = Array(windows.train.prefix(3))
        let replicas = ReplicaSet(config: config, batch: 2, seed: 4, workers: 2)
        let model = replicas.primary
        var rng = RNG(seed: 2)
        for i in 0..<model.parameters.count { model.parameters[i] += Float(rng.gaussian() * 0.3) }
        let scores = GradientEnergy.compute(replicas: replicas, windows: windows, samples: samples)

        let perSample = L * p
        var expected = [Double](repeating: 0, count: L * p * p)
        let target = FloatBuffer(perSample)
        for w in samples {
            windows.fill(w, input: model.input, target: target.pointer)
            for i in 0..<p {
                let f = { () -> Double in model.forward(batch: 1); return Double(model.output[(L - 1) * p + i]) }
                for r in 0..<L { for j in 0..<p {
                    let g = centralDifference(model.input, r * p + j, h: 3e-3, f)
                    expected[(L - r - 1) * p * p + j * p + i] += g * g / Double(samples.count)
                } }
            }
        }
        for k in 0..<expected.count {
            #expect(isClose(Double(scores.values[k]), expected[k], rel: 5e-2, abs: 1e-5), "index \(k)")
        }
    }
}
