import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Multi-head softmax attention with a block-causal mask.
///
/// Token a belongs to time step ⌊a / tokensPerStep⌋ and may attend to every token of its own
/// and earlier steps: keys 0 ..< (⌊a / tps⌋ + 1)·tps. tokensPerStep = 1 is the ordinary
/// causal mask (`--tokens step`); tokensPerStep = p is the per-variable block mask.
///
/// Products run through sgemm over blocks of query rows, each block multiplied only against
/// the keys it can see (about half the FLOPs of the full T×T product for long sequences).
/// (Direct loops were measured slower even at T = 16; the tests keep them as a reference.)
struct AttentionShape {
    let B: Int, T: Int, C: Int, heads: Int, tokensPerStep: Int
    var headSize: Int { C / heads }
    @inline(__always) func visibleKeys(_ query: Int) -> Int { min(T, (query / tokensPerStep + 1) * tokensPerStep) }
    /// Query rows per sgemm block.
    static let blockRows = 64
}

/// out: [B, T, C]; att: [B, H, T, T] softmax probabilities (masked entries 0), cached for backward;
/// qkv: [B, T, 3C] (queries, keys, values side by side).
func attentionForward(_ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
                      _ qkv: UnsafePointer<Float>, _ s: AttentionShape) {
    attentionForwardBlocked(out, att, qkv, s, blockRows: AttentionShape.blockRows)
}

/// Backward of `attentionForward`, accumulating into dqkv: [B, T, 3C]. scratch: [T, T] floats.
/// `rule` selects the exact gradient or an LRP rule (see `BackwardRule`). With `.attnLRP`,
/// `absorbed` (if given) accumulates the relevance the softmax absorbs: Σ A⊙∂A − Σ logits⊙∂logits.
func attentionBackward(_ dqkv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
                       _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>,
                       _ att: UnsafePointer<Float>, _ s: AttentionShape,
                       rule: BackwardRule = .gradient, absorbed: UnsafeMutablePointer<Double>? = nil) {
    attentionBackwardBlocked(dqkv, scratch, dout, qkv, att, s, blockRows: AttentionShape.blockRows,
                             rule: rule, absorbed: absorbed)
}

/// Masked softmax of one row in place over its `n` visible entries; the rest set to 0.
@inline(__always)
func maskedSoftmax(_ row: UnsafeMutablePointer<Float>, visible n: Int, length T: Int) {
    let mx = vectorMax(row, n)
    for j in 0..<n { row[j] = fastExp(row[j] - mx) }
    let inv = 1 / vectorSum(row, n)
    for j in 0..<n { row[j] *= inv }
    for j in n..<T { row[j] = 0 }
}

/// Softmax backward of one row in place: g ← P ⊙ (g − Σⱼ Pⱼ gⱼ); masked entries 0.
@inline(__always)
func softmaxBackwardRow(_ g: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, visible n: Int, length T: Int) {
    let dot = vectorDot(p, g, n)
    for j in 0..<n { g[j] = p[j] * (g[j] - dot) }
    for j in n..<T { g[j] = 0 }
}

/// Query rows [r0, r1) see keys 0 ..< visibleKeys(r1 − 1); only those columns are computed.
private func queryBlocks(_ s: AttentionShape, _ blockRows: Int) -> [(r0: Int, r1: Int, keys: Int)] {
    stride(from: 0, to: s.T, by: blockRows).map { r0 in
        let r1 = min(s.T, r0 + blockRows)
        return (r0, r1, min(s.T, s.visibleKeys(r1 - 1)))
    }
}

func attentionForwardBlocked(_ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
                             _ qkv: UnsafePointer<Float>, _ s: AttentionShape, blockRows: Int) {
    let T = s.T, C = s.C, hs = s.headSize, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    let blocks = queryBlocks(s, blockRows)
    for b in 0..<s.B {
        for h in 0..<s.heads {
            let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
            let a = att + (b * s.heads + h) * T * T
            for (r0, r1, nk) in blocks {
                let rb = r1 - r0
                // a[r0..<r1, 0..<nk] = scale · Q[r0..<r1] K[0..<nk]ᵀ
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rb), Int32(nk), Int32(hs),
                            scale, q + r0 * C3, Int32(C3), k, Int32(C3), 0, a + r0 * T, Int32(T))
                for t in r0..<r1 { maskedSoftmax(a + t * T, visible: s.visibleKeys(t), length: T) }
                // out[r0..<r1, head] = P[r0..<r1, 0..<nk] · V[0..<nk]
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rb), Int32(hs), Int32(nk),
                            1, a + r0 * T, Int32(T), v, Int32(C3), 0, out + (b * T + r0) * C + h * hs, Int32(C))
            }
        }
    }
}

/// Forward for the query tokens q0..<T alone (out[b, t, :] for t ≥ q0; other rows untouched;
/// no probabilities cached, so no backward), by direct loops: the per-edge tests need the last
/// token or the edited ones of a short window, where sgemm's per-call cost exceeds the work.
/// qkv: [B, T, 3C]; out: [B, T, C].
func attentionForwardQueries(_ out: UnsafeMutablePointer<Float>, _ qkv: UnsafePointer<Float>, _ s: AttentionShape, from q0: Int) {
    let T = s.T, C = s.C, hs = s.headSize, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    withUnsafeTemporaryAllocation(of: Float.self, capacity: T) { buffer in
        let a = buffer.baseAddress!
        for b in 0..<s.B {
            for h in 0..<s.heads {
                let k = qkv + b * T * C3 + C + h * hs, v = k + C
                for t in q0..<T {
                    // a[j] = softmax_j(scale · q_t · k_j) over the visible keys j; out_t = Σ_j a[j] v_j
                    let q = qkv + (b * T + t) * C3 + h * hs, n = s.visibleKeys(t)
                    for j in 0..<n { a[j] = scale * vectorDot(q, k + j * C3, hs) }
                    maskedSoftmax(a, visible: n, length: n)
                    let o = out + (b * T + t) * C + h * hs
                    o.update(repeating: 0, count: hs)
                    for j in 0..<n {
                        let w = a[j], vj = v + j * C3
                        for e in 0..<hs { o[e] += w * vj[e] }
                    }
                }
            }
        }
    }
}

func attentionBackwardBlocked(_ dqkv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
                              _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>,
                              _ att: UnsafePointer<Float>, _ s: AttentionShape, blockRows: Int,
                              rule: BackwardRule = .gradient, absorbed: UnsafeMutablePointer<Double>? = nil) {
    let T = s.T, C = s.C, hs = s.headSize, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    // uniform split of the bilinear products under AttnLRP: ½ to V and ½ to A; A's share
    // then ½ to Q and ½ to K. CP-LRP holds A constant: V only.
    let split: Float = rule == .attnLRP ? 0.5 : 1
    let throughSoftmax = rule != .conservativeLRP
    let blocks = queryBlocks(s, blockRows)
    for b in 0..<s.B {
        for h in 0..<s.heads {
            let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
            let dq = dqkv + b * T * C3 + h * hs, dk = dq + C, dv = dq + 2 * C
            let a = att + (b * s.heads + h) * T * T
            for (r0, r1, nk) in blocks {
                let rb = r1 - r0, p = a + r0 * T, g = scratch + r0 * T
                let dy = dout + (b * T + r0) * C + h * hs
                // dV[0..<nk] += split · Pᵀ dY
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(nk), Int32(hs), Int32(rb),
                            split, p, Int32(T), dy, Int32(C), 1, dv, Int32(C3))
                guard throughSoftmax else { continue }
                // dP = split · dY Vᵀ
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rb), Int32(nk), Int32(hs),
                            split, dy, Int32(C), v, Int32(C3), 0, g, Int32(T))
                for t in r0..<r1 {
                    let row = scratch + t * T, pt = a + t * T, n = s.visibleKeys(t)
                    let relevanceAtA = absorbed == nil ? 0 : Double(vectorDot(pt, row, n))
                    softmaxBackwardRow(row, pt, visible: n, length: nk)
                    if let absorbed {
                        // logits = log A + c per row and Σⱼ ∂logitsⱼ = 0, so Σ logits⊙∂logits = Σ log A ⊙ ∂logits
                        var relevanceAtLogits = 0.0
                        for j in 0..<n where pt[j] > 0 { relevanceAtLogits += Double(logf(pt[j]) * row[j]) }
                        absorbed.pointee += relevanceAtA - relevanceAtLogits
                    }
                }
                // dQ[r0..<r1] += split·scale dS K[0..<nk] ;  dK[0..<nk] += split·scale dSᵀ Q[r0..<r1]
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rb), Int32(hs), Int32(nk),
                            split * scale, g, Int32(T), k, Int32(C3), 1, dq + r0 * C3, Int32(C3))
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(nk), Int32(hs), Int32(rb),
                            split * scale, g, Int32(T), q + r0 * C3, Int32(C3), 1, dk, Int32(C3))
            }
        }
    }
}
