/// How the relevance R[ℓ, j, i] of input x_{j,t−ℓ} for the prediction ŷ_{i,t} is computed
/// (always at the last position: X_t from the whole window).
public enum AttributionMethod: String, CaseIterable, Codable, Sendable {
    /// CP-LRP (conservative LRP for transformers): R = x ⊙ modified gradient.
    case lrp
    /// AttnLRP: CP-LRP plus relevance through the softmax.
    case attnlrp
    /// Gradient energy (∂ŷᵢ/∂x)², the quantity of the identifiability theorem.
    case gradient
    /// Gradient × input.
    case gradInput = "grad-input"
    /// Attention weights from the target's last token to each input token, averaged over
    /// layers and heads (the published baseline; needs `--tokens variable`).
    case attention
    /// ABCD (Rohekar et al. 2023): the deepest attention layer read as a linear SEM, partial
    /// correlations, Fisher-z tests and a lagged PC search (needs `--tokens variable`; its
    /// p-values replace the held-out tests).
    case abcd

    /// The method in plain words, with its source, for the report's header.
    public var plainName: String {
        switch self {
        case .lrp: return "layer-wise relevance propagation (CP-LRP, Ali et al. 2022), as in arXiv 2601.05647"
        case .attnlrp: return "AttnLRP (Achtibat et al. 2024): relevance propagation through attention"
        case .gradient: return "gradient energy (∂forecast/∂input)², arXiv 2601.05647"
        case .gradInput: return "gradient × input"
        case .attention: return "attention weights, averaged over layers and heads"
        case .abcd: return "ABCD (Rohekar et al. 2023): the deepest attention layer as a linear SEM, partial correlations, lagged PC search"
        }
    }

    /// Whether the method reads attention weights per (variable, step) token.
    public var needsVariableTokens: Bool { self == .attention || self == .abcd }

    /// The backward rule that produces this method's per-input quantity (nil: no backward).
    var backwardRule: BackwardRule? {
        switch self {
        case .lrp: return .conservativeLRP
        case .attnlrp: return .attnLRP
        case .gradient, .gradInput: return .gradient
        case .attention, .abcd: return nil
        }
    }
}

/// How per-sample relevances become one score: mean |R| or mean R².
public enum ScoreAggregation: String, CaseIterable, Codable, Sendable {
    case abs
    case square
}
