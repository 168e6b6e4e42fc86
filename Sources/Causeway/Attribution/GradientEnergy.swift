/// Gradient-energy readout, the quantity of the identifiability argument:
///
///     S[ℓ, j, i] = mean over samples of (∂ŷ_{i,t} / ∂x_{j,t−ℓ})²
///
/// for the prediction at the last position (X_t from the whole window X_{t−L..t−1}).
/// One forward pass and p input-gradient backward passes per batch of samples; the batch is
/// split over the replicas' threads.
public enum GradientEnergy {
    public static func compute(replicas: ReplicaSet, windows: WindowSet, samples: [WindowRef]) -> ScoreTensor {
        let c = replicas.primary.config, L = c.maxLag, p = c.variables
        let perSample = c.sequenceLength * c.featuresPerToken   // = L·p for both tokenizations
        let n = L * p * p
        // one accumulator per replica, summed in replica order at the end
        let sums = (0..<replicas.workers).map { _ in UnsafeMutablePointer<Double>.allocate(capacity: n) }
        defer { sums.forEach { $0.deallocate() } }
        for s in sums { s.initialize(repeating: 0, count: n) }
        let scratchTargets = FloatBuffer(replicas.batchCapacity * perSample)
        var k = 0
        while k < samples.count {
            let b = min(replicas.batchCapacity, samples.count - k)
            replicas.forEachChunk(b) { worker, model, start, count in
                let acc = sums[worker]
                for s in 0..<count {
                    let w = samples[k + start + s]
                    windows.fill(w, input: model.input + s * perSample, target: scratchTargets.pointer + (start + s) * perSample)
                    model.setDomain(s, Int(w.domain))
                }
                model.forward(batch: count)
                for i in 0..<p {
                    // seed ∂ŷ_{i,t} at the last position of every sample: index (L−1)·p + i in both layouts
                    model.outputGradient.update(repeating: 0, count: count * perSample)
                    for s in 0..<count { model.outputGradient[s * perSample + (L - 1) * p + i] = 1 }
                    model.backward(batch: count, parameterGradients: false, inputGradients: true)
                    // input index r·p + j is source j at lag L − r
                    let g = model.inputGradient
                    for s in 0..<count {
                        for r in 0..<L {
                            let row = acc + (L - r - 1) * p * p
                            for j in 0..<p {
                                let v = Double(g[s * perSample + r * p + j])
                                row[j * p + i] += v * v
                            }
                        }
                    }
                }
            }
            k += b
        }
        let count = Double(max(samples.count, 1))
        var values = [Float](repeating: 0, count: n)
        for idx in 0..<n {
            var total = 0.0
            for s in sums { total += s[idx] }
            values[idx] = Float(total / count)
        }
        return ScoreTensor(maxLag: L, variables: p, values: values)
    }

    /// `count` windows spread evenly over all training windows (every domain).
    public static func evaluationSamples(_ windows: WindowSet, count: Int) -> [WindowRef] {
        let all = windows.train
        let m = min(count, all.count)
        return (0..<m).map { all[$0 * all.count / m] }
    }
}
