import Testing
@testable import Causeway

@Suite struct BenchmarkMathTests {
    @Test func alphaBetaFitRecoversAnExactModel() {
        let sizes: [Double] = [256, 1024, 4096, 65536, 1_048_576, 16_777_216]
        let points = sizes.map { b in (bytes: b, seconds: 3e-6 + 2e-10 * b) }
        let fit = TrainingBenchmark.fitAlphaBeta(points)
        #expect(isClose(fit.alpha, 3e-6, rel: 1e-6, abs: 0))
        #expect(isClose(fit.beta, 2e-10, rel: 1e-6, abs: 0))
    }

    @Test func flopCountOfOneBlock() {
        // step tokens, T = L = 2, d = 4, f = p = 3, one layer: embedding + head 2·T·(f·d + d·f) = 96;
        // block: 2·T·(12 d²) = 768 linear + 4·T²·d = 64 attention
        let c = ModelConfig(tokens: .step, variables: 3, maxLag: 2, dModel: 4, layers: 1, heads: 1)
        #expect(TrainingBenchmark.forwardFlopsPerWindow(c) == 96 + 768 + 64)
    }
}
