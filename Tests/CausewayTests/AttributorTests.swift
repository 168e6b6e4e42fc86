import Testing
@testable import Causeway

/// The readout: gradient energy against central finite differences of the last-position
/// prediction (both tokenizations; tolerance rel 5e-2, abs 1e-5 on the squared gradients),
/// the other methods against their definitions, ranks against a hand-computed case.
/// Single process: the coordinator always gets the result.
func attribute(replicas: ReplicaSet, windows: WindowSet, samples: [WindowRef], method: AttributionMethod,
               normalizePerTarget: Bool = false) throws -> Attribution {
    try #require(try Attributor.compute(replicas: replicas, windows: windows, samples: samples, method: method,
                                        normalizePerTarget: normalizePerTarget))
}

@Suite struct AttributorTests {
    @Test(arguments: [Tokenization.step, .variable])
    func gradientEnergyMatchesFiniteDifferences(tokens: Tokenization) throws {
        let p = 3, L = 3
        let config = ModelConfig(tokens: tokens, variables: p, maxLag: L, dModel: 8, layers: 1, heads: 2)
        let windows = WindowSet(sources: [smallVARSource(variables: p, rows: 40)], maxLag: L, validationFraction: 0)
        let samples = Array(windows.train.prefix(3))
        let replicas = ReplicaSet(config: config, batch: 2, seed: 4, workers: 2)
        let model = replicas.primary
        var rng = RNG(seed: 2)
        for i in 0..<model.parameters.count { model.parameters[i] += Float(rng.gaussian() * 0.3) }
        let scores = try attribute(replicas: replicas, windows: windows, samples: samples, method: .gradient).scores

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

    @Test func methodsFollowTheirDefinitions() throws {
        // one sample, one thread: grad-input = x·g, lrp = x·(CP-LRP modified gradient),
        // attention = mean attention weight; scores are |R|, per-target normalisation sums to 1
        let p = 3, L = 2
        let config = ModelConfig(tokens: .variable, variables: p, maxLag: L, dModel: 8, layers: 2, heads: 2)
        let windows = WindowSet(sources: [smallVARSource(variables: p, rows: 30)], maxLag: L, validationFraction: 0)
        let sample = [windows.train[5]]
        let replicas = ReplicaSet(config: config, batch: 1, seed: 8, workers: 1)
        let model = replicas.primary
        var rng = RNG(seed: 1)
        for i in 0..<model.parameters.count { model.parameters[i] += Float(rng.gaussian() * 0.2) }
        let target = FloatBuffer(L * p)
        for (method, rule) in [(AttributionMethod.gradInput, BackwardRule.gradient), (.lrp, .conservativeLRP), (.attnlrp, .attnLRP)] {
            let a = try attribute(replicas: replicas, windows: windows, samples: sample, method: method)
            windows.fill(sample[0], input: model.input, target: target.pointer)
            model.forward(batch: 1)
            for i in 0..<p {
                model.outputGradient.update(repeating: 0, count: L * p)
                model.outputGradient[(L - 1) * p + i] = 1
                model.backward(batch: 1, parameterGradients: false, inputGradients: true, rule: rule)
                for r in 0..<L { for j in 0..<p {
                    let expected = abs(Double(model.input[r * p + j] * model.inputGradient[r * p + j]))
                    #expect(isClose(Double(a.scores[L - r, j, i]), expected, rel: 1e-5, abs: 1e-7))
                } }
            }
        }
        let att = try attribute(replicas: replicas, windows: windows, samples: sample, method: .attention,
                                         normalizePerTarget: true)
        for i in 0..<p {
            var total: Float = 0
            for lag in 1...L { for j in 0..<p { total += att.scores[lag, j, i] } }
            #expect(abs(total - 1) < 1e-5)
        }
        #expect(throws: CausewayError.self) {
            let stepReplicas = ReplicaSet(config: ModelConfig(tokens: .step, variables: p, maxLag: L, dModel: 8, layers: 1, heads: 2),
                                          batch: 1, seed: 1, workers: 1)
            _ = try attribute(replicas: stepReplicas, windows: windows, samples: sample, method: .attention)
        }
    }

    @Test func ranksSummariseThePerSampleOrder() throws {
        // with one sample, every candidate's rank is exact (std 0) and ranks are a permutation of 1…L·p
        let p = 3, L = 2
        let windows = WindowSet(sources: [smallVARSource(variables: p, rows: 30)], maxLag: L, validationFraction: 0)
        let replicas = ReplicaSet(config: ModelConfig(variables: p, maxLag: L, dModel: 8, layers: 1, heads: 2), batch: 4, seed: 2, workers: 1)
        let one = try attribute(replicas: replicas, windows: windows, samples: [windows.train[3]], method: .gradInput)
        for i in 0..<p {
            var ranks: [Float] = []
            var byScore: [(Float, Float)] = []
            for lag in 1...L { for j in 0..<p {
                ranks.append(one.rankMean[lag, j, i])
                #expect(one.rankStd[lag, j, i] == 0)
                byScore.append((one.scores[lag, j, i], one.rankMean[lag, j, i]))
            } }
            #expect(ranks.sorted() == (1...(L * p)).map(Float.init))
            let top = byScore.max { $0.0 < $1.0 }!
            #expect(top.1 == 1)
        }
        // two samples: the mean and standard deviation of the two ranks
        let s0 = try attribute(replicas: replicas, windows: windows, samples: [windows.train[3]], method: .gradInput)
        let s1 = try attribute(replicas: replicas, windows: windows, samples: [windows.train[9]], method: .gradInput)
        let both = try attribute(replicas: replicas, windows: windows, samples: [windows.train[3], windows.train[9]], method: .gradInput)
        for k in 0..<both.rankMean.values.count {
            let a = Double(s0.rankMean.values[k]), b = Double(s1.rankMean.values[k])
            #expect(isClose(Double(both.rankMean.values[k]), (a + b) / 2, rel: 1e-6, abs: 1e-6))
            #expect(isClose(Double(both.rankStd.values[k]), abs(a - b) / 2, rel: 1e-5, abs: 1e-5))
        }
    }

    @Test func shardScoresAverageToTheScores() throws {
        // 4 equal shards of 8 samples: the mean of the shards' mean |R| is the overall mean |R|
        let p = 3, L = 2
        let windows = WindowSet(sources: [smallVARSource(variables: p, rows: 60)], maxLag: L, validationFraction: 0)
        let replicas = ReplicaSet(config: ModelConfig(variables: p, maxLag: L, dModel: 8, layers: 1, heads: 2), batch: 8, seed: 3, workers: 1)
        let a = try #require(try Attributor.compute(replicas: replicas, windows: windows, samples: Array(windows.train.prefix(32)),
                                                    method: .lrp, shards: 4))
        #expect(a.shardScores.count == 4)
        for k in 0..<a.scores.values.count {
            let mean = a.shardScores.map { Double($0.values[k]) }.reduce(0, +) / 4
            #expect(isClose(mean, Double(a.scores.values[k]), rel: 1e-5, abs: 1e-8))
        }
        // the shards differ (they are different data)
        #expect(a.shardScores[0].values != a.shardScores[3].values)
    }

    @Test func domainScoresWeightedByTheirSamplesGiveTheScores() throws {
        // 3 domains with 5, 11 and 0 evaluation samples: Σ_d n_d · S_d / N = S, and the empty
        // domain reports zero samples
        let p = 3, L = 2
        let windows = WindowSet(sources: [smallVARSource(variables: p, rows: 40, seed: 1), smallVARSource(variables: p, rows: 50, seed: 2),
                                          smallVARSource(variables: p, rows: 30, seed: 3)], maxLag: L, validationFraction: 0)
        let replicas = ReplicaSet(config: ModelConfig(variables: p, maxLag: L, dModel: 8, layers: 1, heads: 2, domainEmbeddings: 3),
                                  batch: 8, seed: 3, workers: 1)
        let samples = windows.train.filter { $0.domain == 0 }.prefix(5) + windows.train.filter { $0.domain == 1 }.prefix(11)
        let a = try #require(try Attributor.compute(replicas: replicas, windows: windows, samples: Array(samples),
                                                    method: .lrp, perDomain: true))
        #expect(a.domainSamples == [5, 11, 0])
        #expect(a.domainScores.count == 3)
        #expect(a.domainScores[2].values.allSatisfy { $0 == 0 })
        for k in 0..<a.scores.values.count {
            let weighted = (5 * Double(a.domainScores[0].values[k]) + 11 * Double(a.domainScores[1].values[k])) / 16
            #expect(isClose(weighted, Double(a.scores.values[k]), rel: 1e-5, abs: 1e-8))
        }
        #expect(a.domainScores[0].values != a.domainScores[1].values)
        // without the flag: nothing extra
        let plain = try attribute(replicas: replicas, windows: windows, samples: Array(samples), method: .lrp)
        #expect(plain.domainScores.isEmpty && plain.scores == a.scores)
    }
}
