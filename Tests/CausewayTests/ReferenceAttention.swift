@testable import Causeway

/// Independent reference for the attention kernels: plain loops over every (query, key)
/// pair, no BLAS, no blocking. Shapes as in `attentionForward` / `attentionBackward`.

func referenceAttentionForward(_ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
                            _ qkv: UnsafePointer<Float>, _ s: AttentionShape) {
    let T = s.T, C = s.C, hs = s.headSize, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    withUnsafeTemporaryAllocation(of: Float.self, capacity: hs * T) { kt in
        let kt = kt.baseAddress!   // Kᵀ of one head: [hs, T], so the score loop runs over keys
        for b in 0..<s.B {
            for h in 0..<s.heads {
                let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
                for j in 0..<T { for c in 0..<hs { kt[c * T + j] = k[j * C3 + c] } }
                let a = att + (b * s.heads + h) * T * T
                for t in 0..<T {
                    let row = a + t * T, n = s.visibleKeys(t), qt = q + t * C3
                    for j in 0..<n { row[j] = 0 }
                    for c in 0..<hs {
                        let qc = qt[c] * scale, kc = kt + c * T
                        for j in 0..<n { row[j] += qc * kc[j] }
                    }
                    maskedSoftmax(row, visible: n, length: T)
                    // out[t, head] = Σⱼ P[t, j] · V[j]
                    let o = out + (b * T + t) * C + h * hs
                    for c in 0..<hs { o[c] = 0 }
                    for j in 0..<n {
                        let pj = row[j], vj = v + j * C3
                        for c in 0..<hs { o[c] += pj * vj[c] }
                    }
                }
            }
        }
    }
}

func referenceAttentionBackward(_ dqkv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
                             _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>,
                             _ att: UnsafePointer<Float>, _ s: AttentionShape) {
    let T = s.T, C = s.C, hs = s.headSize, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    withUnsafeTemporaryAllocation(of: Float.self, capacity: hs * T) { vt in
        let vt = vt.baseAddress!   // Vᵀ of one head: [hs, T]
        for b in 0..<s.B {
            for h in 0..<s.heads {
                let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
                let dq = dqkv + b * T * C3 + h * hs, dk = dq + C, dv = dq + 2 * C
                let a = att + (b * s.heads + h) * T * T
                for j in 0..<T { for c in 0..<hs { vt[c * T + j] = v[j * C3 + c] } }
                for t in 0..<T {
                    let n = s.visibleKeys(t), p = a + t * T, g = scratch + t * T
                    let dy = dout + (b * T + t) * C + h * hs
                    // dP[t, j] = dY[t] · V[j]   and   dV[j] += P[t, j] · dY[t]
                    for j in 0..<n { g[j] = 0 }
                    for c in 0..<hs {
                        let dyc = dy[c], vc = vt + c * T
                        for j in 0..<n { g[j] += dyc * vc[j] }
                    }
                    for j in 0..<n {
                        let pj = p[j], dvj = dv + j * C3
                        for c in 0..<hs { dvj[c] += pj * dy[c] }
                    }
                    softmaxBackwardRow(g, p, visible: n, length: T)
                    // dQ[t] += scale Σⱼ dS[t, j] K[j];  dK[j] += scale dS[t, j] Q[t]
                    let dqt = dq + t * C3, qt = q + t * C3
                    for j in 0..<n {
                        let sj = scale * g[j], kj = k + j * C3, dkj = dk + j * C3
                        for c in 0..<hs { dqt[c] += sj * kj[c] }
                        for c in 0..<hs { dkj[c] += sj * qt[c] }
                    }
                }
            }
        }
    }
}

