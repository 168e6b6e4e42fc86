/// How the backward pass propagates. Besides the exact gradient, the LRP rules are written as
/// *modified gradients* (the efficient form of the LXT library): the relevance of an input is
/// input × modified gradient, so one backward pass per target gives every input's relevance.
public enum BackwardRule: Sendable, Equatable {
    /// The exact gradient.
    case gradient
    /// CP-LRP (Ali et al. 2022): attention weights and LayerNorm's 1/σ held constant (relevance
    /// flows through the values only), identity rule through GELU (multiplier GELU(x)/x),
    /// LRP-0 — the ε-rule's ε → 0 limit — through linear layers and residual sums.
    case conservativeLRP
    /// AttnLRP (Achtibat et al. 2024): as CP-LRP, plus relevance through the softmax
    /// (Rᵢ = xᵢ(Rᵢ − sᵢ Σⱼ Rⱼ), which in gradient form is the softmax's own gradient times its
    /// input) with the bilinear products split uniformly: ½ of the attention relevance to the
    /// values, ¼ to the queries, ¼ to the keys.
    case attnLRP
}
