/// A named view into the flat parameter (or gradient) buffer.
public struct TensorSlice: Sendable, Equatable {
    public let offset: Int
    public let count: Int
    public let name: String
    /// Matrices get weight decay; vectors (biases, LayerNorm, embeddings) do not.
    public let decays: Bool
}

/// Every parameter tensor of one transformer block.
public struct BlockSlices: Sendable {
    public let ln1W, ln1B: TensorSlice          // [d]
    public let qkvW: TensorSlice                // [d, 3d]
    public let qkvB: TensorSlice                // [3d]
    public let projW: TensorSlice               // [d, d]
    public let projB: TensorSlice               // [d]
    public let ln2W, ln2B: TensorSlice          // [d]
    public let fcW: TensorSlice                 // [d, 4d]
    public let fcB: TensorSlice                 // [4d]
    public let fcProjW: TensorSlice             // [4d, d]
    public let fcProjB: TensorSlice             // [d]
}

/// All parameters live in ONE contiguous buffer; this struct holds their named views.
/// Gradients and optimizer moments use the same layout, so AdamW is one loop and the
/// data-parallel all-reduce is one call.
public struct ParameterLayout: Sendable {
    public let inW: TensorSlice        // [f, d]   f = features per token
    public let inB: TensorSlice        // [d]
    public let varEmb: TensorSlice     // [p, d]   (count 0 for `step`)
    public let posEmb: TensorSlice     // [L, d]
    public let domEmb: TensorSlice     // [domains, d] (count 0 when off)
    public let blocks: [BlockSlices]
    public let lnfW, lnfB: TensorSlice // [d]
    public let headW: TensorSlice      // [d, f]
    public let headB: TensorSlice      // [f]
    public let linearW: TensorSlice    // [banks, L, p, p] linear path, index (domain or 0, lag−1, source, target) (count 0 when off)
    public let count: Int
    public let all: [TensorSlice]

    public init(_ c: ModelConfig) {
        var offset = 0
        var all: [TensorSlice] = []
        func slice(_ name: String, _ n: Int, decays: Bool = false) -> TensorSlice {
            let s = TensorSlice(offset: offset, count: n, name: name, decays: decays)
            offset += n
            all.append(s)
            return s
        }
        let d = c.dModel, f = c.featuresPerToken
        inW = slice("in.weight", f * d, decays: true)
        inB = slice("in.bias", d)
        varEmb = slice("variable_embedding", c.tokens == .variable ? c.variables * d : 0)
        posEmb = slice("position_embedding", c.maxLag * d)
        domEmb = slice("domain_embedding", c.domainEmbeddings * d)
        var blocks: [BlockSlices] = []
        for l in 0..<c.layers {
            let p = "block\(l)."
            blocks.append(BlockSlices(
                ln1W: slice(p + "ln1.weight", d), ln1B: slice(p + "ln1.bias", d),
                qkvW: slice(p + "attn.qkv.weight", d * 3 * d, decays: true),
                qkvB: slice(p + "attn.qkv.bias", 3 * d),
                projW: slice(p + "attn.proj.weight", d * d, decays: true),
                projB: slice(p + "attn.proj.bias", d),
                ln2W: slice(p + "ln2.weight", d), ln2B: slice(p + "ln2.bias", d),
                fcW: slice(p + "mlp.fc.weight", d * 4 * d, decays: true),
                fcB: slice(p + "mlp.fc.bias", 4 * d),
                fcProjW: slice(p + "mlp.proj.weight", 4 * d * d, decays: true),
                fcProjB: slice(p + "mlp.proj.bias", d)))
        }
        self.blocks = blocks
        lnfW = slice("lnf.weight", d)
        lnfB = slice("lnf.bias", d)
        headW = slice("head.weight", d * f, decays: true)
        headB = slice("head.bias", f)
        linearW = slice("linear_path.weight", c.linearPathBanks * c.maxLag * c.variables * c.variables, decays: true)
        count = offset
        self.all = all
    }
}
