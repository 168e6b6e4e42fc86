import Foundation

/// AdamW with decoupled weight decay (Loshchilov & Hutter), one flat loop over the parameter
/// buffer. Decay applies only to slices marked `decays` (matrices).
public final class AdamW {
    public let m: FloatBuffer
    public let v: FloatBuffer
    let decayMask: [Float]   // 1 where weight decay applies
    public var beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8

    public init(layout: ParameterLayout) {
        m = FloatBuffer(layout.count)
        v = FloatBuffer(layout.count)
        var mask = [Float](repeating: 0, count: layout.count)
        for s in layout.all where s.decays { for k in 0..<s.count { mask[s.offset + k] = 1 } }
        decayMask = mask
    }

    /// One update; `t` is the 1-based step number (for bias correction).
    public func update(_ params: FloatBuffer, _ grads: FloatBuffer, lr: Float, weightDecay: Float, t: Int) {
        let n = params.count
        let p = params.pointer, g = grads.pointer, m = m.pointer, v = v.pointer
        let c1 = 1 / (1 - powf(beta1, Float(t))), c2 = 1 / (1 - powf(beta2, Float(t)))
        let b1 = beta1, b2 = beta2, eps = eps
        decayMask.withUnsafeBufferPointer { mask in
            for i in 0..<n {
                let gi = g[i]
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                let mh = m[i] * c1, vh = v[i] * c2
                p[i] -= lr * (mh / (vh.squareRoot() + eps) + weightDecay * mask[i] * p[i])
            }
        }
    }
}

/// Linear warm-up to `peak`, then cosine decay to `peak · minFraction` at `total` steps.
public func learningRate(step: Int, total: Int, warmup: Int, peak: Double, minFraction: Double) -> Double {
    if step < warmup { return peak * Double(step + 1) / Double(warmup) }
    let span = max(1, total - warmup)
    let progress = min(1, Double(step - warmup) / Double(span))
    let cosine = 0.5 * (1 + cos(Double.pi * progress))
    return peak * (minFraction + (1 - minFraction) * cosine)
}

/// Scales `grads` so their global L2 norm is at most `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ grads: FloatBuffer, maxNorm: Float) -> Float {
    var s: Double = 0
    let g = grads.pointer
    for i in 0..<grads.count { s += Double(g[i]) * Double(g[i]) }
    let norm = Float(s.squareRoot())
    if maxNorm > 0 && norm > maxNorm {
        let k = maxNorm / norm
        for i in 0..<grads.count { g[i] *= k }
    }
    return norm
}
