import ArgumentParser
import Causeway

extension Tokenization: ExpressibleByArgument {}
extension LinearPathStart: ExpressibleByArgument {}

/// Architecture flags shared by `run` and `bench`.
struct ModelOptions: ParsableArguments {
    @Option(help: "Tokenization: step (one token per time step) or variable (one per variable and step).")
    var tokens: Tokenization = .step
    @Option(name: .customLong("max-lag"), help: "Window length L: the largest lag the model can see.")
    var maxLag: Int = 5
    @Option(name: .customLong("d-model"), help: "Model width.")
    var dModel: Int = 64
    @Option(help: "Transformer blocks (default: 2; 1 with --attribution abcd, whose single attention layer then has to carry every lagged dependency).")
    var layers: Int?
    @Option(help: "Attention heads (must divide --d-model; default: 4; 8 with --attribution abcd when they divide --d-model).")
    var heads: Int?
    @Option(help: "Global batch size (windows per optimizer step).")
    var batch: Int = 64
    @Flag(name: .customLong("linear-path"), inversion: .prefixedNo,
          help: "A linear autoregressive path (L·p·p weights) in parallel to the transformer (default: on for step tokens).")
    var linearPath: Bool?
    @Flag(name: .customLong("linear-path-per-domain"), inversion: .prefixedNo,
          help: "One linear path per domain, for domains that share a graph but not its coefficients (default: with the linear path and the domain embedding, on when a Chow test on the training windows finds the domains' linear dynamics different, p < 0.001).")
    var linearPathPerDomain: Bool?

    /// `forABCD`: the defaults of `--attribution abcd` (1 block, 8 heads), measured in
    /// docs/accuracy.md: the deepest attention layer of a 2-block model does not carry the graph.
    func config(variables: Int, domainEmbeddings: Int = 0, forABCD: Bool = false) -> ModelConfig {
        ModelConfig(tokens: tokens, variables: variables, maxLag: maxLag, dModel: dModel,
                    layers: layers ?? (forABCD ? 1 : 2),
                    heads: heads ?? defaultHeads(forABCD: forABCD),
                    domainEmbeddings: domainEmbeddings, linearPath: linearPath ?? (tokens == .step),
                    linearPathPerDomain: linearPathPerDomain ?? ((linearPath ?? (tokens == .step)) && domainEmbeddings > 1
                        && domainEmbeddings * maxLag * variables * variables <= Self.perDomainLinearWeights))
    }

    /// The per-domain linear path is the default up to this many weights (D·L·p·p; 10 M is 160 MB
    /// with gradients and Adam's moments); above, one shared path unless --linear-path-per-domain.
    static let perDomainLinearWeights = 10_000_000

    /// 4, or 8 for abcd when they divide --d-model.
    func defaultHeads(forABCD: Bool) -> Int { forABCD && dModel % 8 == 0 ? 8 : 4 }

    func validate() throws {
        let fallback = defaultHeads(forABCD: false)
        if heads == nil, dModel >= 1, dModel % fallback != 0 {
            throw ValidationError("--d-model \(dModel) is not divisible by the default \(fallback) attention heads: give --heads (a divisor of \(dModel))")
        }
        do { try config(variables: 1).validate() } catch let e as CausewayError where !e.message.hasPrefix("--linear-path-per-domain") {
            throw ValidationError(e.message)   // (the per-domain path is checked once the domains are known)
        } catch {}
        if batch < 1 { throw ValidationError("--batch must be at least 1 (got \(batch))") }
    }
}
