import Foundation

/// Student's t distribution and the regularized incomplete beta function it rests on.
///
/// Reference: Abramowitz & Stegun 26.5.8 (continued fraction of I_x(a, b), evaluated with the
/// modified Lentz method, as in Press et al., *Numerical Recipes*, §6.4) and 26.7.1
/// (P(T > t) = ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0).
public enum StudentT {
    /// Upper tail P(T > t) of Student's t with `df` degrees of freedom (df > 0).
    /// `t = +∞` gives 0, `t = −∞` gives 1; NaN gives NaN.
    public static func upperTail(_ t: Double, df: Double) -> Double {
        precondition(df > 0, "StudentT: degrees of freedom must be positive")
        if t.isNaN { return .nan }
        if t == .infinity { return 0 }
        if t == -.infinity { return 1 }
        let tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
        return t >= 0 ? tail : 1 - tail
    }

    /// I_x(a, b) = B(x; a, b) / B(a, b) for x in [0, 1], a, b > 0.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        precondition(a > 0 && b > 0, "incomplete beta: a and b must be positive")
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        // ln of x^a (1−x)^b / (a B(a, b))
        let front = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        // the continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise
        if x < (a + 1) / (a + b + 2) {
            return exp(front) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(front) * continuedFraction(1 - x, a: b, b: a) / b
    }

    /// The continued fraction of A&S 26.5.8 by the modified Lentz method.
    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300, eps = 1e-15
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            // even step: d_{2m} = m(b−m)x / ((a+2m−1)(a+2m))
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            // odd step: d_{2m+1} = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1))
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < eps { break }
        }
        return h
    }
}
