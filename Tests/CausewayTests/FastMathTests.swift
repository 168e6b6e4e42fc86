import Foundation
import Testing
@testable import Causeway

/// The vectorizable exp/tanh against Foundation's double-precision functions.
@Suite struct FastMathTests {
    @Test func expIsAccurate() {
        var x: Float = -80
        while x < 80 {
            let ref = Foundation.exp(Double(x))
            #expect(isClose(Double(fastExp(x)), ref, rel: 3e-7, abs: 0))
            x += 0.0137
        }
    }

    /// Non-finite inputs (a diverged training step) give finite values instead of trapping.
    @Test func nonFiniteInputsDoNotTrap() {
        #expect(fastExp(.nan).isFinite && fastExp(.infinity) == fastExp(88) && fastExp(-.infinity) == fastExp(-87))
        #expect(fastTanh(.nan).isFinite && fastTanh(.infinity) == 1)
    }

    @Test func tanhIsAccurate() {
        var u: Float = -20
        while u < 20 {
            #expect(isClose(Double(fastTanh(u)), Foundation.tanh(Double(u)), rel: 1e-6, abs: 2e-7))
            u += 0.003
        }
    }
}
