import Foundation
import Testing
@testable import Causeway

@Suite struct SyntheticTests {
    private func config(_ family: MechanismFamily = .linear, samples: Int = 1000, seed: UInt64 = 1) -> GeneratorConfig {
        var c = GeneratorConfig()
        c.family = family
        c.samples = samples
        c.seed = seed
        return c
    }

    @Test func deterministicBySeed() throws {
        var c = config(.mlpConcat)
        c.domains = 2
        let a = try SyntheticGenerator.generate(c), b = try SyntheticGenerator.generate(c)
        #expect(a.domains == b.domains && a.truth == b.truth)
        c.seed = 2
        #expect(try SyntheticGenerator.generate(c).domains != a.domains)
    }

    @Test func domainZeroDoesNotDependOnDomainCount() throws {
        var c = config(.piecewise, samples: 300)
        let one = try SyntheticGenerator.generate(c)
        c.domains = 3
        let three = try SyntheticGenerator.generate(c)
        #expect(three.domains[0] == one.domains[0])
        #expect(three.domains[1] != three.domains[0])
        #expect(three.domainFamilies == [.piecewise, .piecewise, .piecewise])
    }

    @Test func extremeDrawsFamiliesPerDomain() throws {
        var c = config(.monotonic, samples: 100)
        c.heterogeneity = .extreme
        c.domains = 12
        let d = try SyntheticGenerator.generate(c)
        #expect(d.domainFamilies.count == 12 && d.domainFamilies[0] == .monotonic)
        #expect(Set(d.domainFamilies).count > 2)
    }

    @Test(arguments: MechanismFamily.allCases)
    func staysBounded(_ family: MechanismFamily) throws {
        for noise in NoiseDistribution.allCases {
            var c = config(family, samples: 5000)
            c.noise = noise
            let d = try SyntheticGenerator.generate(c)
            let values = d.domains[0]
            #expect(values.count == 5000 * 10)
            let peak = values.map { abs($0) }.max()!
            #expect(peak.isFinite && peak < 100, "\(family) \(noise): max |x| = \(peak)")
            // Not degenerate: every variable varies at least as much as its noise.
            for i in 0..<10 {
                let col = stride(from: i, to: values.count, by: 10).map { Double(values[$0]) }
                let m = col.reduce(0, +) / Double(col.count)
                let v = col.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(col.count)
                #expect(v > 0.8, "\(family) \(noise): variance of x\(i) is \(v)")
            }
        }
    }

    @Test func truthHasInDegreeParentsPerTarget() throws {
        var c = config(samples: 50)
        c.variables = 7; c.inDegree = 4; c.maxLag = 3
        let d = try SyntheticGenerator.generate(c)
        #expect(d.truth.count == 7 * 4)
        #expect(d.truth == d.truth.sorted())
        #expect(d.truth.allSatisfy { (1...3).contains($0.lag) })
        for t in 0..<7 {
            let sources = d.truth.filter { $0.target == t }.map(\.source)
            #expect(sources.count == 4 && Set(sources).count == 4)
        }
        #expect(d.variables == (0..<7).map { "x\($0)" })
    }

    /// Every mechanism's Lipschitz bounds sum to ≤ 0.9 and hold on random pairs of inputs.
    @Test(arguments: MechanismFamily.allCases)
    func mechanismsAreContractions(_ family: MechanismFamily) {
        var rng = RNG(seed: 5)
        for _ in 0..<20 {
            let k = 1 + rng.int(4)
            let m = Mechanism.random(family, parents: k, rng: &rng)
            let bounds = (0..<k).map { m.lipschitzBound(parent: $0) }
            #expect(bounds.reduce(0, +) <= 0.9 + 1e-9)
            #expect(bounds.allSatisfy { $0 >= 0.9 / Double(k) / 2 - 1e-9 })
            #expect(abs(m([Double](repeating: 0, count: k))) < 1e-12)
            for _ in 0..<200 {
                let x = (0..<k).map { _ in rng.uniform(-4, 4) }, y = (0..<k).map { _ in rng.uniform(-4, 4) }
                let allowed = (0..<k).map { bounds[$0] * abs(x[$0] - y[$0]) }.reduce(0, +)
                #expect(abs(m(x) - m(y)) <= allowed + 1e-9)
            }
        }
    }

    /// Each parent's effect is not negligible: moving one input over [-2, 2] with the others
    /// at random values changes f by a sizeable fraction of what its bound allows.
    @Test(arguments: MechanismFamily.allCases)
    func everyParentContributes(_ family: MechanismFamily) {
        var rng = RNG(seed: 9)
        var ratios: [Double] = []
        for _ in 0..<30 {
            let k = 3
            let m = Mechanism.random(family, parents: k, rng: &rng)
            for j in 0..<k {
                var x = (0..<k).map { _ in rng.gaussian() }
                var lo = Double.infinity, hi = -Double.infinity
                for s in stride(from: -2.0, through: 2.0, by: 0.1) { x[j] = s; let v = m(x); lo = min(lo, v); hi = max(hi, v) }
                ratios.append((hi - lo) / (4 * m.lipschitzBound(parent: j)))
            }
        }
        let mean = ratios.reduce(0, +) / Double(ratios.count)
        #expect(mean > 0.25, "\(family): mean range/bound ratio \(mean)")
        #expect(ratios.min()! > 0.02, "\(family): smallest ratio \(ratios.min()!)")
    }

    /// OLS of x_{i,t} on all lagged values gives larger |coefficients| on true (source, lag)
    /// pairs than on the others.
    @Test func linearRegressionRecoversParents() throws {
        var c = config(samples: 3000, seed: 3)
        c.variables = 5; c.maxLag = 3; c.inDegree = 2
        let d = try SyntheticGenerator.generate(c)
        let x = d.domains[0], p = 5, L = 3, n = 3000
        let truth = Set(d.truth)
        var onTrue: [Double] = [], onFalse: [Double] = []
        for i in 0..<p {
            // Design rows: [x_{t-1}, …, x_{t-L}] flattened as (lag - 1) * p + source.
            let q = p * L
            var xtx = [Double](repeating: 0, count: q * q), xty = [Double](repeating: 0, count: q)
            var row = [Double](repeating: 0, count: q)
            for t in L..<n {
                for l in 1...L { for s in 0..<p { row[(l - 1) * p + s] = Double(x[(t - l) * p + s]) } }
                let y = Double(x[t * p + i])
                for a in 0..<q { xty[a] += row[a] * y; for b in 0..<q { xtx[a * q + b] += row[a] * row[b] } }
            }
            let beta = solveLinearSystem(xtx, xty, q)
            for l in 1...L { for s in 0..<p {
                let c = abs(beta[(l - 1) * p + s])
                if truth.contains(LaggedEdge(source: s, target: i, lag: l)) { onTrue.append(c) } else { onFalse.append(c) }
            } }
        }
        let meanTrue = onTrue.reduce(0, +) / Double(onTrue.count), meanFalse = onFalse.reduce(0, +) / Double(onFalse.count)
        #expect(onTrue.count == 10)
        #expect(meanTrue > 5 * meanFalse, "true \(meanTrue) vs false \(meanFalse)")
        #expect(onTrue.min()! > onFalse.max()!)
    }

    @Test func noiseHasUnitVariance() {
        for dist in NoiseDistribution.allCases {
            var rng = RNG(seed: 4)
            let n = 100_000
            var s = 0.0, s2 = 0.0
            for _ in 0..<n { let e = dist.sample(&rng); s += e; s2 += e * e }
            #expect(abs(s / Double(n)) < 0.02, "\(dist)")
            #expect(abs(s2 / Double(n) - 1) < 0.03, "\(dist)")
        }
    }

    @Test func configErrorsNameFlags() {
        func check(_ flag: String, _ edit: (inout GeneratorConfig) -> Void) {
            var c = GeneratorConfig()
            edit(&c)
            expectError(flag) { try c.validate() }
        }
        check("--variables") { $0.variables = 1 }
        check("--max-lag") { $0.maxLag = 0 }
        check("--in-degree") { $0.inDegree = 0 }
        check("--in-degree") { $0.inDegree = 11 }
        check("--samples") { $0.samples = 6 }
        check("--domains") { $0.domains = 0 }
        check("--noise-scale") { $0.noiseScale = 0 }
        check("--burn-in") { $0.burnIn = -1 }
        #expect(throws: Never.self) { try GeneratorConfig().validate() }
    }

    @Test(arguments: DataFormat.allCases)
    func writesALoadableFolder(_ format: DataFormat) throws {
        var c = config(.mlpAdditive, samples: 40)
        c.variables = 3; c.inDegree = 2; c.maxLag = 2; c.domains = 2
        let data = try SyntheticGenerator.generate(c)
        let dir = TempFolder()
        let out = dir.path + "/gen"
        try SyntheticGenerator.write(data, config: c, to: out, format: format)
        let loaded = try DatasetLoader.load(path: out + "/manifest.json")
        #expect(loaded.variables == ["x0", "x1", "x2"])
        #expect(loaded.domains.map(\.name) == ["domain0", "domain1"])
        for (d, domain) in loaded.domains.enumerated() {
            #expect(domain.path.hasSuffix("domain\(d).\(format.rawValue)"))
            #expect(domain.series.rows == 40)
            for k in 0..<(40 * 3) { #expect(Float(domain.series.value(k / 3, k % 3)) == data.domains[d][k]) }
        }
        let truth = try String(contentsOfFile: out + "/truth.csv", encoding: .utf8).split(separator: "\n")
        #expect(truth.first == "source,target,lag" && truth.count == 1 + 6)
        let e = data.truth[0]
        #expect(truth[1] == "x\(e.source),x\(e.target),\(e.lag)")
        let back = try JSONDecoder().decode(GeneratorConfig.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/config.json")))
        #expect(back == c)
    }
}
