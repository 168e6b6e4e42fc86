/// Mean squared error between the model's output and `target` ([B, T, f]) for `b` samples.
/// With `lastStepOnly`, only the final time step's tokens count (the validation rule).
/// Writes ∂loss/∂output into the model's `outputGradient` when `gradient` is true.
func meanSquaredError(_ model: Transformer, target: UnsafePointer<Float>, batch b: Int,
                      lastStepOnly: Bool, gradient: Bool) -> Double {
    let c = model.config
    let perSample = c.sequenceLength * c.featuresPerToken
    let first = lastStepOnly ? perSample - c.variables : 0   // last time step = last p values
    let counted = (perSample - first) * b
    let out = model.output, dout = model.outputGradient
    let scale = 2 / Float(counted)
    var sum: Double = 0
    for s in 0..<b {
        let base = s * perSample
        if gradient && first > 0 { (dout + base).update(repeating: 0, count: first) }
        for k in (base + first)..<(base + perSample) {
            let e = out[k] - target[k]
            sum += Double(e * e)
            if gradient { dout[k] = scale * e }
        }
    }
    return sum / Double(counted)
}
