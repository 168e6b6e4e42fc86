import Testing
@testable import Causeway

/// Each kernel's backward against central finite differences of L = Σ out ⊙ W (W random),
/// whose gradient w.r.t. out is exactly W. Tolerance: rel 2e-2, abs 2e-3 (float32, h = 1e-2).
@Suite struct KernelGradientTests {
    let rel = 2e-2, tol = 2e-3, h: Float = 1e-2

    func probe(_ out: UnsafePointer<Float>, _ w: [Float]) -> Double {
        var s = 0.0
        for i in 0..<w.count { s += Double(out[i]) * Double(w[i]) }
        return s
    }

    @Test func matmulMatchesNaiveAndFiniteDifferences() {
        var rng = RNG(seed: 1)
        let N = 5, C = 4, OC = 3
        let inp = FloatBuffer(N * C), w = FloatBuffer(C * OC), b = FloatBuffer(OC), out = FloatBuffer(N * OC)
        inp.copy(from: randomArray(N * C, &rng)); w.copy(from: randomArray(C * OC, &rng)); b.copy(from: randomArray(OC, &rng))
        matmulForward(out.pointer, inp.pointer, w.pointer, b.pointer, N, C, OC)
        for n in 0..<N { for o in 0..<OC {
            var r = Double(b[o]); for c in 0..<C { r += Double(inp[n * C + c]) * Double(w[c * OC + o]) }
            #expect(isClose(Double(out[n * OC + o]), r, rel: 1e-5, abs: 1e-5))
        } }
        let wp = randomArray(N * OC, &rng)
        let dinp = FloatBuffer(N * C), dw = FloatBuffer(C * OC), db = FloatBuffer(OC), dout = FloatBuffer(N * OC)
        dout.copy(from: wp)
        matmulBackward(dinp.pointer, dw.pointer, db.pointer, dout.pointer, inp.pointer, w.pointer, N, C, OC)
        let f = { () -> Double in matmulForward(out.pointer, inp.pointer, w.pointer, b.pointer, N, C, OC); return probe(out.pointer, wp) }
        for (buf, g) in [(inp, dinp), (w, dw), (b, db)] {
            for i in 0..<buf.count {
                #expect(isClose(Double(g[i]), centralDifference(buf.pointer, i, h: h, f), rel: rel, abs: tol))
            }
        }
    }

    /// The causal linear path against its defining sum and finite differences, including K > T.
    @Test(arguments: [2, 5])
    func causalLinearMatchesNaiveAndFiniteDifferences(K: Int) {
        var rng = RNG(seed: 7)
        let B = 2, T = 4, C = 3, OC = 3
        let inp = FloatBuffer(B * T * C), w = FloatBuffer(K * C * OC), out = FloatBuffer(B * T * OC)
        inp.copy(from: randomArray(B * T * C, &rng)); w.copy(from: randomArray(K * C * OC, &rng))
        let base = randomArray(B * T * OC, &rng)
        out.copy(from: base)
        let alpha: Float = 0.7
        causalLinearForward(out.pointer, inp.pointer, w.pointer, B, T, C, OC, K, alpha: alpha)
        for b in 0..<B { for t in 0..<T { for o in 0..<OC {
            var r = Double(base[(b * T + t) * OC + o])
            for k in 0...min(t, K - 1) { for c in 0..<C { r += 0.7 * Double(inp[(b * T + t - k) * C + c]) * Double(w[(k * C + c) * OC + o]) } }
            #expect(isClose(Double(out[(b * T + t) * OC + o]), r, rel: 1e-5, abs: 1e-5))
        } } }
        let wp = randomArray(B * T * OC, &rng)
        let dinp = FloatBuffer(B * T * C), dw = FloatBuffer(K * C * OC), dout = FloatBuffer(B * T * OC)
        dout.copy(from: wp)
        causalLinearBackward(dinp.pointer, dw.pointer, dout.pointer, inp.pointer, w.pointer, B, T, C, OC, K, alpha: alpha)
        let f = { () -> Double in
            out.copy(from: base)
            causalLinearForward(out.pointer, inp.pointer, w.pointer, B, T, C, OC, K, alpha: alpha)
            return probe(out.pointer, wp)
        }
        for (buf, g) in [(inp, dinp), (w, dw)] {
            for i in 0..<buf.count {
                #expect(isClose(Double(g[i]), centralDifference(buf.pointer, i, h: h, f), rel: rel, abs: tol))
            }
        }
    }

    @Test func layerNormFiniteDifferences() {
        var rng = RNG(seed: 2)
        let N = 3, C = 6
        let inp = FloatBuffer(N * C), w = FloatBuffer(C), b = FloatBuffer(C), out = FloatBuffer(N * C)
        let mean = FloatBuffer(N), rstd = FloatBuffer(N)
        inp.copy(from: randomArray(N * C, &rng)); w.copy(from: randomArray(C, &rng)); b.copy(from: randomArray(C, &rng))
        let wp = randomArray(N * C, &rng)
        let f = { () -> Double in
            layerNormForward(out.pointer, mean.pointer, rstd.pointer, inp.pointer, w.pointer, b.pointer, N, C)
            return probe(out.pointer, wp)
        }
        _ = f()
        // normalised rows have mean 0 and variance 1 before the affine map
        let dinp = FloatBuffer(N * C), dw = FloatBuffer(C), db = FloatBuffer(C), dout = FloatBuffer(N * C)
        dout.copy(from: wp)
        layerNormBackward(dinp.pointer, dw.pointer, db.pointer, dout.pointer, inp.pointer, w.pointer,
                          mean.pointer, rstd.pointer, N, C)
        for (buf, g) in [(inp, dinp), (w, dw), (b, db)] {
            for i in 0..<buf.count {
                #expect(isClose(Double(g[i]), centralDifference(buf.pointer, i, h: h, f), rel: rel, abs: tol))
            }
        }
    }

    @Test func geluFiniteDifferencesAndValues() {
        var rng = RNG(seed: 3)
        let N = 40
        let inp = FloatBuffer(N), out = FloatBuffer(N)
        inp.copy(from: randomArray(N, &rng, scale: 2))
        geluForward(out.pointer, inp.pointer, N)
        // independent reference: exact GELU x·Φ(x) agrees with the tanh form to ~1e-3
        for i in 0..<N {
            let x = Double(inp[i])
            let exact = 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
            #expect(abs(Double(out[i]) - exact) < 2e-3)
        }
        let wp = randomArray(N, &rng)
        let dinp = FloatBuffer(N), dout = FloatBuffer(N)
        dout.copy(from: wp)
        geluBackward(dinp.pointer, inp.pointer, dout.pointer, N)
        let f = { () -> Double in geluForward(out.pointer, inp.pointer, N); return probe(out.pointer, wp) }
        for i in 0..<N {
            #expect(isClose(Double(dinp[i]), centralDifference(inp.pointer, i, h: 1e-2, f), rel: rel, abs: tol))
        }
    }

    enum AttentionImpl: CaseIterable { case reference, blocked }

    func forward(_ impl: AttentionImpl, _ out: FloatBuffer, _ att: FloatBuffer, _ qkv: FloatBuffer, _ s: AttentionShape) {
        switch impl {
        case .reference: referenceAttentionForward(out.pointer, att.pointer, qkv.pointer, s)
        case .blocked: attentionForwardBlocked(out.pointer, att.pointer, qkv.pointer, s, blockRows: 4)
        }
    }

    @Test(arguments: [1, 2, 3], AttentionImpl.allCases)
    func attentionFiniteDifferences(tokensPerStep: Int, impl: AttentionImpl) {
        var rng = RNG(seed: 4)
        let s = AttentionShape(B: 2, T: 12, C: 4, heads: 2, tokensPerStep: tokensPerStep)
        let qkv = FloatBuffer(s.B * s.T * 3 * s.C), out = FloatBuffer(s.B * s.T * s.C)
        let att = FloatBuffer(s.B * s.heads * s.T * s.T)
        qkv.copy(from: randomArray(qkv.count, &rng))
        let wp = randomArray(out.count, &rng)
        let f = { () -> Double in forward(impl, out, att, qkv, s); return probe(out.pointer, wp) }
        _ = f()
        // mask: probabilities are zero beyond the visible keys and rows sum to one
        for bh in 0..<(s.B * s.heads) { for t in 0..<s.T {
            let row = att.pointer + (bh * s.T + t) * s.T
            var sum: Float = 0
            for j in 0..<s.T { if j >= s.visibleKeys(t) { #expect(row[j] == 0) }; sum += row[j] }
            #expect(abs(sum - 1) < 1e-5)
        } }
        let dqkv = FloatBuffer(qkv.count), dout = FloatBuffer(out.count), scratch = FloatBuffer(s.T * s.T)
        dout.copy(from: wp)
        switch impl {
        case .reference: referenceAttentionBackward(dqkv.pointer, scratch.pointer, dout.pointer, qkv.pointer, att.pointer, s)
        case .blocked: attentionBackwardBlocked(dqkv.pointer, scratch.pointer, dout.pointer, qkv.pointer, att.pointer, s, blockRows: 4)
        }
        for i in 0..<qkv.count {
            #expect(isClose(Double(dqkv[i]), centralDifference(qkv.pointer, i, h: h, f), rel: rel, abs: tol))
        }
    }

    /// The per-edge tests' attention for the last queries only: the same rows as the full forward.
    @Test(arguments: [0, 5, 11])
    func queriesFromATokenAgreeWithTheFullForward(from q0: Int) {
        var rng = RNG(seed: 9)
        // head size 16: the SIMD dot products' full width
        let s = AttentionShape(B: 3, T: 12, C: 32, heads: 2, tokensPerStep: 1)
        let qkv = FloatBuffer(s.B * s.T * 3 * s.C)
        qkv.copy(from: randomArray(qkv.count, &rng))
        let full = FloatBuffer(s.B * s.T * s.C), some = FloatBuffer(s.B * s.T * s.C), att = FloatBuffer(s.B * s.heads * s.T * s.T)
        referenceAttentionForward(full.pointer, att.pointer, qkv.pointer, s)
        some.copy(from: [Float](repeating: .nan, count: some.count))
        attentionForwardQueries(some.pointer, qkv.pointer, s, from: q0)
        for b in 0..<s.B { for t in 0..<s.T { for c in 0..<s.C {
            let i = (b * s.T + t) * s.C + c
            if t >= q0 { #expect(isClose(Double(some[i]), Double(full[i]), rel: 1e-5, abs: 1e-6)) } else { #expect(some[i].isNaN) }
        } } }
    }

    @Test func productionAttentionAgreesWithTheReferenceLoops() {
        // T = 90: two query blocks of 64 rows, block mask of 5 tokens per step
        var rng = RNG(seed: 8)
        let s = AttentionShape(B: 1, T: 90, C: 8, heads: 2, tokensPerStep: 5)
        let qkv = FloatBuffer(s.T * 3 * s.C)
        qkv.copy(from: randomArray(qkv.count, &rng))
        let o1 = FloatBuffer(s.T * s.C), o2 = FloatBuffer(s.T * s.C)
        let a1 = FloatBuffer(s.heads * s.T * s.T), a2 = FloatBuffer(s.heads * s.T * s.T)
        attentionForward(o1.pointer, a1.pointer, qkv.pointer, s)
        referenceAttentionForward(o2.pointer, a2.pointer, qkv.pointer, s)
        for i in 0..<o1.count { #expect(isClose(Double(o1[i]), Double(o2[i]), rel: 1e-4, abs: 1e-6)) }
        let dout = FloatBuffer(o1.count)
        dout.copy(from: randomArray(dout.count, &rng))
        let g1 = FloatBuffer(qkv.count), g2 = FloatBuffer(qkv.count), scratch = FloatBuffer(s.T * s.T)
        attentionBackward(g1.pointer, scratch.pointer, dout.pointer, qkv.pointer, a1.pointer, s)
        referenceAttentionBackward(g2.pointer, scratch.pointer, dout.pointer, qkv.pointer, a2.pointer, s)
        for i in 0..<g1.count { #expect(isClose(Double(g1[i]), Double(g2[i]), rel: 1e-3, abs: 1e-5)) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
