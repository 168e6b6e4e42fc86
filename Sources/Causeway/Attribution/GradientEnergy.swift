/// Gradient-energy readout, the quantity of the identifiability argument:
///
///     S[ℓ, j, i] = mean over samples of (∂ŷ_{i,t} / ∂x_{j,t−ℓ})²
///
/// for the prediction at the last position (X_t from the whole window X_{t−L..t−1}).
/// One forward pass and p input-gradient backward passes per batch of samples.
public enum GradientEnergy {
    public static func compute(model: Transformer, windows: WindowSet, samples: [WindowRef]) -> ScoreTensor {
        let c = model.config, L = c.maxLag, p = c.variables
        let perSample = c.sequenceLength * c.featuresPerToken   // = L·p for both tokenizations
        var sums = [Double](repeating: 0, count: L * p * p)
        let scratchTarget = FloatBuffer(perSample)
        var k = 0
        while k < samples.count {
            let b = min(model.batchCapacity, samples.count - k)
            for s in 0..<b {
                let w = samples[k + s]
                windows.fill(w, input: model.input + s * perSample, target: scratchTarget.pointer)
                model.setDomain(s, Int(w.domain))
            }
            model.forward(batch: b)
            for i in 0..<p {
                // seed: ∂ŷ_{i,t} at the last position of every sample — index (L−1)·p + i in both layouts
                model.outputGradient.update(repeating: 0, count: b * perSample)
                for s in 0..<b { model.outputGradient[s * perSample + (L - 1) * p + i] = 1 }
                model.backward(batch: b, parameterGradients: false, inputGradients: true)
                // input index r·p + j is source j at lag L − r
                let g = model.inputGradient
                for s in 0..<b {
                    for r in 0..<L {
                        let lag = L - r
                        for j in 0..<p {
                            let v = Double(g[s * perSample + r * p + j])
                            sums[(lag - 1) * p * p + j * p + i] += v * v
                        }
                    }
                }
            }
            k += b
        }
        let n = Double(max(samples.count, 1))
        return ScoreTensor(maxLag: L, variables: p, values: sums.map { Float($0 / n) })
    }

    /// `count` windows spread evenly over all training windows (every domain).
    public static func evaluationSamples(_ windows: WindowSet, count: Int) -> [WindowRef] {
        let all = windows.train
        let m = min(count, all.count)
        return (0..<m).map { all[$0 * all.count / m] }
    }
}
