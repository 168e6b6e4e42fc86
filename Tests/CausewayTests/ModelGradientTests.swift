import Testing
@testable import Causeway

/// The whole model's backward (every parameter tensor, by name, and the input gradient)
/// against central finite differences of L = Σ output ⊙ W. Tolerance: rel 3e-2, abs 3e-3, step h = 3e-3.
@Suite struct ModelGradientTests {
    static let configs: [ModelConfig] = [
        ModelConfig(tokens: .step, variables: 3, maxLag: 4, dModel: 8, layers: 2, heads: 2, domainEmbeddings: 2),
        ModelConfig(tokens: .step, variables: 3, maxLag: 4, dModel: 8, layers: 2, heads: 2, domainEmbeddings: 0, linearPath: true),
        ModelConfig(tokens: .step, variables: 3, maxLag: 4, dModel: 8, layers: 2, heads: 2, domainEmbeddings: 2, linearPath: true,
                    linearPathPerDomain: true),
        ModelConfig(tokens: .variable, variables: 3, maxLag: 3, dModel: 8, layers: 2, heads: 2, domainEmbeddings: 2),
    ]

    @Test(arguments: configs)
    func everyTensorMatchesFiniteDifferences(config: ModelConfig) {
        let B = 2
        let model = Transformer(config: config, batchCapacity: B, seed: 11)
        var rng = RNG(seed: 5)
        // larger-than-default weights so every path carries signal
        for i in 0..<model.parameters.count { model.parameters[i] += Float(rng.gaussian() * 0.3) }
        let n = B * config.sequenceLength * config.featuresPerToken
        let x = randomArray(n, &rng)
        for i in 0..<n { model.input[i] = x[i] }
        model.setDomain(0, 0); model.setDomain(1, 1)
        let w = randomArray(n, &rng)
        let loss = { () -> Double in
            model.forward(batch: B)
            var s = 0.0
            for i in 0..<n { s += Double(model.output[i]) * Double(w[i]) }
            return s
        }
        _ = loss()
        for i in 0..<n { model.outputGradient[i] = w[i] }
        model.zeroGradients()
        model.backward(batch: B, parameterGradients: true, inputGradients: true)
        let analyticInput = (0..<n).map { Double(model.inputGradient[$0]) }

        for slice in model.layout.all where slice.count > 0 {
            var worst = 0.0
            for k in stride(from: 0, to: slice.count, by: max(1, slice.count / 12)) {
                let i = slice.offset + k
                let numeric = centralDifference(model.parameters.pointer, i, h: 3e-3, loss)
                let analytic = Double(model.gradients[i])
                let ok = isClose(analytic, numeric, rel: 3e-2, abs: 3e-3)
                if !ok { worst = max(worst, abs(analytic - numeric)) }
                #expect(ok, "\(slice.name)[\(k)]: analytic \(analytic) vs numeric \(numeric)")
            }
        }
        for i in 0..<n {
            let numeric = centralDifference(model.input, i, h: 3e-3, loss)
            #expect(isClose(analyticInput[i], numeric, rel: 3e-2, abs: 3e-3), "input[\(i)]")
        }
    }

    /// Each domain's samples go through their own linear-path bank: with the two domains'
    /// embeddings equal, a sample's forecast changes with its domain by exactly the difference
    /// of the banks' linear outputs, α · Σ_k x[t−k] · (W₁[k] − W₀[k]) (written out here).
    @Test func eachDomainUsesItsOwnLinearPathBank() {
        let p = 3, L = 2
        let c = ModelConfig(tokens: .step, variables: p, maxLag: L, dModel: 8, layers: 1, heads: 2, domainEmbeddings: 2,
                            linearPath: true, linearPathPerDomain: true)
        let model = Transformer(config: c, batchCapacity: 2, seed: 4)
        var rng = RNG(seed: 8)
        for i in 0..<model.parameters.count { model.parameters[i] += Float(rng.gaussian() * 0.3) }
        let emb = model.layout.domEmb, w = model.layout.linearW, bank = L * p * p
        #expect(w.count == 2 * bank)
        for k in 0..<(emb.count / 2) { model.parameters[emb.offset + emb.count / 2 + k] = model.parameters[emb.offset + k] }
        let x = randomArray(L * p, &rng)
        for s in 0..<2 { for i in 0..<(L * p) { model.input[s * L * p + i] = x[i] } }
        model.setDomain(0, 0); model.setDomain(1, 1)
        model.forward(batch: 2)
        let alpha = Double(c.linearPathScale)
        for t in 0..<L {
            for o in 0..<p {
                var want = 0.0
                for k in 0...t {
                    for j in 0..<p {
                        let d = Double(model.parameters[w.offset + bank + (k * p + j) * p + o]) - Double(model.parameters[w.offset + (k * p + j) * p + o])
                        want += alpha * Double(x[(t - k) * p + j]) * d
                    }
                }
                let got = Double(model.output[L * p + t * p + o]) - Double(model.output[t * p + o])
                #expect(isClose(got, want, rel: 1e-4, abs: 1e-5), "t \(t) o \(o): \(got) vs \(want)")
            }
        }
    }

    @Test(arguments: configs)
    func predictionsAreCausal(config: ModelConfig) {
        // Changing the values of time step s must not change outputs of earlier time steps.
        let model = Transformer(config: config, batchCapacity: 1, seed: 3)
        var rng = RNG(seed: 9)
        let T = config.sequenceLength, f = config.featuresPerToken, tps = config.tokensPerStep
        for i in 0..<(T * f) { model.input[i] = Float(rng.gaussian()) }
        model.forward(batch: 1)
        let before = (0..<(T * f)).map { model.output[$0] }
        let step = config.maxLag - 2
        for t in (step * tps)..<T { for k in 0..<f { model.input[t * f + k] += 1 } }
        model.forward(batch: 1)
        for t in 0..<(step * tps) { for k in 0..<f { #expect(model.output[t * f + k] == before[t * f + k]) } }
        #expect(model.output[(T - 1) * f] != before[(T - 1) * f])
    }
}
