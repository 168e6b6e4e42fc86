/// Values per sample that the loss counts: every position, or only the final time step
/// (the validation rule; the last p values in either tokenization).
func lossValuesPerSample(_ c: ModelConfig, lastStepOnly: Bool) -> Int {
    lastStepOnly ? c.variables : c.sequenceLength * c.featuresPerToken
}

/// Σ squared errors between the model's output and `target` ([b, T, f]) over the counted
/// values. With `gradientNormalizer` N, writes ∂(Σ e² / N)/∂output = 2e/N into the model's
/// `outputGradient` (zero for uncounted positions). The MSE of a batch split over replicas is
/// Σ over replicas / (values per sample × global batch).
func sumSquaredError(_ model: Transformer, target: UnsafePointer<Float>, batch b: Int,
                     lastStepOnly: Bool, gradientNormalizer: Int? = nil) -> Double {
    let c = model.config
    let perSample = c.sequenceLength * c.featuresPerToken
    let first = perSample - lossValuesPerSample(c, lastStepOnly: lastStepOnly)
    let out = model.output, dout = model.outputGradient
    let scale = gradientNormalizer.map { 2 / Float($0) } ?? 0
    var sum: Double = 0
    for s in 0..<b {
        let base = s * perSample
        if gradientNormalizer != nil && first > 0 { (dout + base).update(repeating: 0, count: first) }
        for k in (base + first)..<(base + perSample) {
            let e = out[k] - target[k]
            sum += Double(e * e)
            if gradientNormalizer != nil { dout[k] = scale * e }
        }
    }
    return sum
}
