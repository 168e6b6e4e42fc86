/// How a window X[t-L ..< t] (L rows of p values) becomes tokens.
public enum Tokenization: String, Codable, CaseIterable, Sendable {
    /// One token per time step: Linear(p → d) + position embedding; causal mask.
    case step
    /// One token per (variable, time step), time-major (token s·p + i): Linear(1 → d) +
    /// variable-identity + position embedding; block-causal mask.
    case variable
}

/// Architecture of the decoder-only forecaster ("DOT").
public struct ModelConfig: Codable, Equatable, Sendable {
    public var tokens: Tokenization
    public var variables: Int   // p
    public var maxLag: Int      // L: the window length
    public var dModel: Int
    public var layers: Int
    public var heads: Int
    /// Number of domains with a learned embedding added to every token; 0 = off.
    public var domainEmbeddings: Int
    /// A linear autoregressive path from the inputs to the forecast, in parallel to the
    /// transformer (`causalLinearForward`, LSTNet's highway): L·p·p weights. Step tokens only.
    public var linearPath: Bool
    /// One linear path per domain (`domainEmbeddings` of them), each domain's samples through
    /// its own L·p·p weights: domains that share a graph but not its coefficients (signs and
    /// sizes that differ per subject or site) get each their own linear autoregression, which a
    /// shared one averages away. Needs `linearPath` and domain embeddings.
    public var linearPathPerDomain: Bool

    public init(tokens: Tokenization = .step, variables: Int, maxLag: Int, dModel: Int = 64,
                layers: Int = 2, heads: Int = 4, domainEmbeddings: Int = 0, linearPath: Bool = false,
                linearPathPerDomain: Bool = false) {
        self.tokens = tokens
        self.variables = variables
        self.maxLag = maxLag
        self.dModel = dModel
        self.layers = layers
        self.heads = heads
        self.domainEmbeddings = domainEmbeddings
        self.linearPath = linearPath
        self.linearPathPerDomain = linearPathPerDomain
    }

    private enum CodingKeys: String, CodingKey {
        case tokens, variables, maxLag, dModel, layers, heads, domainEmbeddings, linearPath, linearPathPerDomain
    }

    /// Checkpoints written before `linearPath` (or `linearPathPerDomain`) existed decode with it off.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(tokens: try c.decode(Tokenization.self, forKey: .tokens), variables: try c.decode(Int.self, forKey: .variables),
                  maxLag: try c.decode(Int.self, forKey: .maxLag), dModel: try c.decode(Int.self, forKey: .dModel),
                  layers: try c.decode(Int.self, forKey: .layers), heads: try c.decode(Int.self, forKey: .heads),
                  domainEmbeddings: try c.decode(Int.self, forKey: .domainEmbeddings),
                  linearPath: try c.decodeIfPresent(Bool.self, forKey: .linearPath) ?? false,
                  linearPathPerDomain: try c.decodeIfPresent(Bool.self, forKey: .linearPathPerDomain) ?? false)
    }

    /// Weight banks of the linear path, each [L, p, p]: one per domain with
    /// `linearPathPerDomain`, else one; 0 without a linear path.
    public var linearPathBanks: Int { linearPath ? (linearPathPerDomain ? domainEmbeddings : 1) : 0 }

    /// The linear path's output scale α = min(1, 8/√(L·p)): Adam moves every weight by about the
    /// learning rate, so without it the forecast's step would grow with the L·p inputs (at p = 1,000,
    /// L = 3 training diverged: validation loss 1.28 after 1,000 steps); up to 64 inputs it is 1.
    public var linearPathScale: Float { min(1, 8 / Float(maxLag * variables).squareRoot()) }

    /// Tokens per sample (T).
    public var sequenceLength: Int { tokens == .step ? maxLag : maxLag * variables }
    /// Tokens sharing one time step (the mask's block size).
    public var tokensPerStep: Int { tokens == .step ? 1 : variables }
    /// Values per token on input and output (p for `step`, 1 for `variable`).
    public var featuresPerToken: Int { tokens == .step ? variables : 1 }

    /// Errors name the flag at fault.
    public func validate() throws {
        if variables < 1 { throw CausewayError("the data must have at least 1 variable") }
        if maxLag < 1 { throw CausewayError("--max-lag must be at least 1 (got \(maxLag))") }
        if dModel < 1 { throw CausewayError("--d-model must be at least 1 (got \(dModel))") }
        if layers < 1 { throw CausewayError("--layers must be at least 1 (got \(layers))") }
        if heads < 1 || dModel % heads != 0 {
            throw CausewayError("--heads must divide --d-model (got --heads \(heads), --d-model \(dModel))")
        }
        if domainEmbeddings < 0 { throw CausewayError("domain embedding count must be ≥ 0") }
        if linearPath && tokens != .step { throw CausewayError("--linear-path needs --tokens step") }
        if linearPathPerDomain && !(linearPath && domainEmbeddings >= 1) {
            throw CausewayError("--linear-path-per-domain needs the linear path and the domain embedding")
        }
    }
}
