import ArgumentParser
import Causeway

extension Tokenization: ExpressibleByArgument {}

/// Architecture flags shared by `run` and `bench`.
struct ModelOptions: ParsableArguments {
    @Option(help: "Tokenization: step (one token per time step) or variable (one per variable and step).")
    var tokens: Tokenization = .step
    @Option(name: .customLong("max-lag"), help: "Window length L: the largest lag the model can see.")
    var maxLag: Int = 5
    @Option(name: .customLong("d-model"), help: "Model width.")
    var dModel: Int = 64
    @Option(help: "Transformer blocks.")
    var layers: Int = 2
    @Option(help: "Attention heads (must divide --d-model).")
    var heads: Int = 4
    @Option(help: "Global batch size (windows per optimizer step).")
    var batch: Int = 64
    @Flag(name: .customLong("linear-path"), inversion: .prefixedNo,
          help: "A linear autoregressive path (L·p·p weights) in parallel to the transformer (default: on for step tokens).")
    var linearPath: Bool?

    /// `window`: the model's window in steps (default --max-lag; abcd uses --max-lag + 1).
    func config(variables: Int, domainEmbeddings: Int = 0, window: Int? = nil) -> ModelConfig {
        ModelConfig(tokens: tokens, variables: variables, maxLag: window ?? maxLag, dModel: dModel, layers: layers,
                    heads: heads, domainEmbeddings: domainEmbeddings, linearPath: linearPath ?? (tokens == .step))
    }

    func validate() throws {
        do { try config(variables: 1).validate() } catch let e as CausewayError { throw ValidationError(e.message) }
        if batch < 1 { throw ValidationError("--batch must be at least 1 (got \(batch))") }
    }
}
