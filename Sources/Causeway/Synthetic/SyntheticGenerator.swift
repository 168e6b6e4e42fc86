/// A generated multi-domain dataset and the graph that produced it.
public struct SyntheticDataset: Sendable {
    public let variables: [String]           // "x0"...
    public let domains: [[Float]]            // each [samples, variables] row-major
    public let domainFamilies: [MechanismFamily]
    public let truth: [LaggedEdge]           // sorted
}

/// Simulates x_{i,t} = f_i(x_{s1,t-l1}, …, x_{sk,t-lk}) + noiseScale · ε_{i,t}: one random
/// lagged graph shared by all domains, per-domain mechanisms (see `Mechanism`).
public enum SyntheticGenerator {
    public static func generate(_ config: GeneratorConfig) throws -> SyntheticDataset {
        try config.validate()
        // One master stream: the graph first, then per-domain family and seeds, so domain d
        // does not depend on how many domains follow it.
        var master = RNG(seed: config.seed)
        let truth = randomGraph(config, &master)
        var parents = [[LaggedEdge]](repeating: [], count: config.variables)
        for e in truth { parents[e.target].append(e) }

        var domains: [[Float]] = [], families: [MechanismFamily] = []
        for d in 0..<config.domains {
            let drawn = MechanismFamily.allCases[master.int(MechanismFamily.allCases.count)]
            let family = config.heterogeneity == .extreme && d > 0 ? drawn : config.family
            var mechanismRNG = RNG(seed: master.next())
            var noiseRNG = RNG(seed: master.next())
            let mechanisms = parents.map { Mechanism.random(family, parents: $0.count, rng: &mechanismRNG) }
            domains.append(simulate(config, parents: parents, mechanisms: mechanisms, noise: &noiseRNG))
            families.append(family)
        }
        return SyntheticDataset(variables: (0..<config.variables).map { "x\($0)" }, domains: domains,
                                domainFamilies: families, truth: truth)
    }

    /// Each target gets `inDegree` distinct sources (itself allowed), each with a lag
    /// uniform in 1...maxLag. Sorted.
    static func randomGraph(_ config: GeneratorConfig, _ rng: inout RNG) -> [LaggedEdge] {
        var edges: [LaggedEdge] = []
        for target in 0..<config.variables {
            var sources = Array(0..<config.variables)
            rng.shuffle(&sources)
            for s in sources.prefix(config.inDegree) {
                edges.append(LaggedEdge(source: s, target: target, lag: 1 + rng.int(config.maxLag)))
            }
        }
        return edges.sorted()
    }

    /// Runs burnIn + samples steps from zeros; returns the last `samples` rows, [samples, p].
    static func simulate(_ config: GeneratorConfig, parents: [[LaggedEdge]], mechanisms: [Mechanism],
                         noise rng: inout RNG) -> [Float] {
        let p = config.variables, lagRows = config.maxLag
        let total = lagRows + config.burnIn + config.samples
        var x = [Double](repeating: 0, count: total * p)   // [total, p]
        var inputs = [Double](repeating: 0, count: config.inDegree)
        for t in lagRows..<total {
            for i in 0..<p {
                for (j, e) in parents[i].enumerated() { inputs[j] = x[(t - e.lag) * p + e.source] }
                x[t * p + i] = mechanisms[i](inputs) + config.noiseScale * config.noise.sample(&rng)
            }
        }
        return x[((total - config.samples) * p)...].map { Float($0) }
    }
}
