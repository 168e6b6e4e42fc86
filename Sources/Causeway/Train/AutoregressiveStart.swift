/// How a fresh model's linear path is initialised (`--linear-path-start`).
public enum LinearPathStart: String, CaseIterable, Codable, Sendable {
    /// Each variable's own least-squares lag-1 coefficient on the diagonal (`AutoregressiveStart`),
    /// the default.
    case autoregressive
    /// All zeros (the default before 2026-12-07).
    case zero
    /// Every weight at the least-squares vector autoregression of each target on all L·p inputs
    /// (`AutoregressiveStart.vectorCoefficients`): a Granger/VAR fit as the starting point, so
    /// that on short series with many variables the cross weights do not have to be found by
    /// the few steps the run can take.
    case vector = "var"
    /// Every weight at the lasso VAR of each target on all L·p inputs, its penalty chosen by
    /// blocked cross-validation on the training windows (`LassoVAR`): a sparse start for short
    /// series with many variables, where the least-squares VAR overfits.
    case lasso
    /// `lasso` where the start decides the graph and the lasso forecasts better, else
    /// `autoregressive` (`AutoregressiveStart.apply`); the default.
    case auto
}

/// The start a run used, and why (`AutoregressiveStart.apply`).
public struct LinearPathStartChoice: Sendable {
    /// The start written into the weights (never `.auto`).
    public let start: LinearPathStart
    /// With `.auto`: the cross-validated mean squared errors (per target and window) of the
    /// lasso VAR and of each variable's own lag-1 fit, when they were compared.
    public let lassoError: Double?, ownLagError: Double?
    /// With `.auto`: why, in words.
    public let reason: String?

    public init(_ start: LinearPathStart, lassoError: Double? = nil, ownLagError: Double? = nil, reason: String? = nil) {
        self.start = start; self.lassoError = lassoError; self.ownLagError = ownLagError; self.reason = reason
    }
}

/// The linear path's starting point: each variable's own least-squares lag-1 regression.
///
/// A freshly initialised linear path is zero (`Transformer.initialize`). On short series the
/// model then overfits through its L·p·p cross weights and the transformer before gradient
/// descent has found even the self-lags: on NetSim fMRI sim4 (200 rows, 50 variables) the best
/// validation loss was 1.03, worse than the mean, while each variable's own AR(2), fitted on
/// the same training rows, reaches 0.85. Starting the diagonal at a univariate fit gives the
/// model the series' persistence before any step is taken; training moves those weights like
/// every other one. Only lag 1 is seeded: seeding every lag (AR(L)) put lag-2 self-loops into
/// the fMRI and Lorenz-96 graphs that the benchmark truths (self-loops at lag 1) count as false
/// (docs/accuracy.md); the model still learns higher self-lags where they help the forecast.
///
/// The fit, per bank b (a domain with `linearPathPerDomain`, else all domains) and variable i:
/// ridge-regularised least squares of the target x_i,t on x_i,t−1 … x_i,t−K (K = `lags`, 1 in
/// `apply`) over the training windows (the final position of each window, so every training
/// row with a full history is one observation; z-scored exactly as the model sees it), in float64:
///   a = (XᵀX + λ·n·I)⁻¹ Xᵀy,  λ = 1e-3 (n: the bank's windows).
/// The bank's weights W[lag−1, i, i] = a[lag−1] / α, α the path's output scale
/// (`ModelConfig.linearPathScale`), so that the path's forecast is Σ_lag a[lag−1]·x_i,t−lag.
/// Cross-variable weights and the other lags stay 0.
public enum AutoregressiveStart {
    /// Ridge factor λ (relative to the window count; the inputs are z-scored, so XᵀX's
    /// diagonal is about n): keeps a bank with few or collinear windows solvable.
    public static let ridge = 1e-3

    /// The fitted coefficients, [banks][p][lags] indexed (bank, variable, lag−1), for `windows`'
    /// training windows; `lags` ≤ the windows' max lag. `banks`: 1 (pooled over domains) or the number of domains (each its own).
    /// A bank without training windows gets zeros.
    public static func coefficients(windows: WindowSet, banks: Int, lags: Int = 1) -> [[[Double]]] {
        precondition(lags >= 1 && lags <= windows.maxLag, "lags: 1 … the window's max lag")
        let L = lags, p = windows.variables, WL = windows.maxLag
        precondition(banks == 1 || banks == windows.sources.count, "banks: 1 or one per domain")
        // per (bank, variable): XᵀX [L, L] and Xᵀy [L], and the count of windows
        var xtx = [Double](repeating: 0, count: banks * p * L * L)
        var xty = [Double](repeating: 0, count: banks * p * L)
        var n = [Int](repeating: 0, count: banks)
        let input = UnsafeMutablePointer<Float>.allocate(capacity: WL * p)
        let target = UnsafeMutablePointer<Float>.allocate(capacity: WL * p)
        defer { input.deallocate(); target.deallocate() }
        for w in windows.train {
            windows.fill(w, input: input, target: target)
            let b = banks == 1 ? 0 : Int(w.domain)
            n[b] += 1
            for i in 0..<p {
                let y = Double(target[(WL - 1) * p + i])
                let base = (b * p + i) * L
                for l in 0..<L {            // lag l + 1 sits at input row WL − 1 − l
                    let xl = Double(input[(WL - 1 - l) * p + i])
                    xty[base + l] += xl * y
                    for m in 0..<L { xtx[(base + l) * L + m] += xl * Double(input[(WL - 1 - m) * p + i]) }
                }
            }
        }
        return (0..<banks).map { b in
            (0..<p).map { i in
                guard n[b] > 0 else { return [Double](repeating: 0, count: L) }
                let base = (b * p + i) * L
                var a = Array(xtx[(base * L)..<((base + L) * L)])
                for l in 0..<L { a[l * L + l] += ridge * Double(n[b]) }
                // the ridge keeps `a` positive definite; should it fail anyway, the path starts at zero
                return (try? SymmetricPositiveDefinite.solve(a, Array(xty[base..<(base + L)]), n: L))
                    ?? [Double](repeating: 0, count: L)
            }
        }
    }

    /// The ridge least-squares VAR of every target on all m = L·p inputs, per bank:
    /// B = (XᵀX + λ·n·I)⁻¹ XᵀY with X [n, m] the training windows' inputs (z-scored as the model
    /// sees them) and Y [n, p] their last-step targets, λ·n = `vectorRidge` (`VARNormalEquations`).
    /// Returns [banks][L·p·p] in the linear path's layout, indexed (lag−1, source, target); a bank
    /// without training windows, or whose system cannot be solved, gets zeros.
    public static func vectorCoefficients(windows: WindowSet, banks: Int) -> [[Double]] {
        precondition(banks == 1 || banks == windows.sources.count, "banks: 1 or one per domain")
        let m = windows.maxLag * windows.variables, zeros = [Double](repeating: 0, count: m * windows.variables)
        return VARNormalEquations.groups(windows: windows, perDomain: banks > 1).map { g in
            g.count > 0 ? g.solve(ridge: vectorRidge(windows: g.count, inputs: m)) ?? zeros : zeros
        }
    }

    /// The ridge added to XᵀX's diagonal by `vectorCoefficients`: max(`ridge`·n, m) for n windows
    /// and m inputs. A prior that spreads a unit of explained variance over the m z-scored
    /// inputs (each coefficient of prior variance about 1/m, residual variance about 1) gives
    /// λ·n = m; with n/m large it is negligible, with n/m near 1 it keeps the fit from
    /// chasing noise (50 variables, max lag 5, 400 rows: lagged F1 0.31–0.44 with λ·n = 10⁻³·n).
    public static func vectorRidge(windows n: Int, inputs m: Int) -> Double {
        max(ridge * Double(n), Double(m))
    }

    /// `.auto` uses the lasso when the training windows are fewer than this many per input …
    public static let autoWindowsPerInput = 10
    /// … and the inputs at most this many (the lasso's Gram matrices take 11·(L·p)² doubles).
    public static let autoMaxInputs = 1000

    /// Writes the start into `model`'s linear path: the lag-1 self fit (`.autoregressive`: every
    /// bank's lag-1 diagonal; the rest untouched) or the full VAR (`.vector`, `.lasso`: every
    /// weight); `.auto` chooses between `.lasso` and `.autoregressive`:
    /// - with at least `autoWindowsPerInput` training windows per input (L·p), or more than
    ///   `autoMaxInputs` inputs, the autoregressive start: training then learns the cross weights
    ///   itself (a sparse VAR(3) of p = 200 and 20,000 rows: lagged F1 1.000 from it);
    /// - below, the lasso is fitted, and used when its cross-validated error is below that of
    ///   each variable's own lag-1 fit on the same folds (pooled over the banks): the cross
    ///   weights then forecast, and the default start would not learn them before the model
    ///   overfits (p = 200, 1,000 rows: lagged F1 0.017 with it, 0.914 with the lasso). On the
    ///   fMRI benchmark sets, where the lasso is no better than the own lags, the autoregressive
    ///   start stays (docs/accuracy.md, stop 23).
    /// No-op without a linear path, or for `.zero`. Deterministic: the same windows give the
    /// same bits on every rank.
    @discardableResult
    public static func apply(to model: Transformer, windows: WindowSet, start requested: LinearPathStart = .autoregressive) -> LinearPathStartChoice {
        let c = model.config
        var start = requested
        var choice = LinearPathStartChoice(start)
        guard c.linearPath, c.linearPathBanks > 0, start != .zero else {
            return start == .auto ? LinearPathStartChoice(.autoregressive, reason: "no linear path") : choice
        }
        let L = c.maxLag, p = c.variables, alpha = Double(c.linearPathScale), m = L * p
        var lasso: [LassoVAR.Fit]? = nil
        if start == .auto {
            let n = windows.train.count
            if n >= autoWindowsPerInput * m {
                start = .autoregressive
                choice = LinearPathStartChoice(start, reason: "\(n) training windows for \(m) inputs: enough for training to learn the cross weights")
            } else if m > autoMaxInputs {
                start = .autoregressive
                choice = LinearPathStartChoice(start, reason: "\(m) inputs: above \(autoMaxInputs), the lasso is not tried (--linear-path-start lasso forces it)")
            } else {
                let fits = LassoVAR.fit(windows: windows, banks: c.linearPathBanks)
                let used = fits.filter { !$0.crossValidationError.isEmpty && $0.ownLagError.isFinite }
                let weight = Double(used.reduce(0) { $0 + $1.windows })
                let lassoError = used.reduce(0.0) { $0 + Double($1.windows) * $1.crossValidationError.min()! } / max(weight, 1)
                let ownError = used.reduce(0.0) { $0 + Double($1.windows) * $1.ownLagError } / max(weight, 1)
                let better = !used.isEmpty && lassoError < ownError
                start = better ? .lasso : .autoregressive
                if better { lasso = fits }
                choice = LinearPathStartChoice(start, lassoError: used.isEmpty ? nil : lassoError, ownLagError: used.isEmpty ? nil : ownError,
                                               reason: used.isEmpty ? "too few windows to cross-validate"
                                                   : String(format: "%d training windows for %d inputs; cross-validated error %.3g (lasso VAR) against %.3g (each variable's own lag 1)",
                                                            n, m, lassoError, ownError))
            }
        }
        if start == .vector || start == .lasso {
            let w = model.parameters.pointer + model.layout.linearW.offset
            let banks = start == .vector ? vectorCoefficients(windows: windows, banks: c.linearPathBanks)
                : (lasso ?? LassoVAR.fit(windows: windows, banks: c.linearPathBanks)).map(\.coefficients)
            for (b, bank) in banks.enumerated() {
                for k in 0..<(L * p * p) { w[b * L * p * p + k] = Float(bank[k] / alpha) }
            }
            return choice
        }
        let coef = coefficients(windows: windows, banks: c.linearPathBanks, lags: 1)
        let w = model.parameters.pointer + model.layout.linearW.offset
        for (b, bank) in coef.enumerated() {
            for i in 0..<p {
                for l in 0..<bank[i].count { w[((b * L + l) * p + i) * p + i] = Float(bank[i][l] / alpha) }
            }
        }
        return choice
    }
}
