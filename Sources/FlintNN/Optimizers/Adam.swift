import Foundation
import Flint

/// Adam, exactly as `torch.optim.Adam` (with bias correction; optional AMSGrad). Per parameter p
/// with gradient g, at step t (counted per parameter):
///
///     g = g + λ·p                      (L2 weight decay λ; AdamW decays p instead)
///     m = m + (1 − β₁)·(g − m)
///     v = β₂·v + (1 − β₂)·g²
///     v̂ = max(v̂, v)                   (AMSGrad only; v̂ replaces v below)
///     p = p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// Each parameter is updated in one fused SIMD pass that reads p, g, m, v and writes p, m, v.
public class Adam: Optimizer {
    /// Adam's hyper-parameters.
    public struct Options: OptimizerOptions, Sendable {
        /// The step size.
        public var learningRate: Float
        /// The decay rates (β₁, β₂) of the first and second moment estimates.
        public var betas: (Float, Float)
        /// Added to the denominator for stability.
        public var epsilon: Float
        /// The weight decay λ (L2 penalty for ``Adam``; decoupled decay for ``AdamW``).
        public var weightDecay: Float
        /// Whether to use the AMSGrad variant (the running maximum of v).
        public var amsgrad: Bool

        /// Options with the given values (defaults are PyTorch's for Adam).
        public init(learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), epsilon: Float = 1e-8,
                    weightDecay: Float = 0, amsgrad: Bool = false) {
            precondition(learningRate >= 0, "Adam: learning rate must be ≥ 0, got \(learningRate)")
            precondition(betas.0 >= 0 && betas.0 < 1 && betas.1 >= 0 && betas.1 < 1,
                         "Adam: betas must be in [0, 1), got \(betas)")
            precondition(epsilon >= 0, "Adam: epsilon must be ≥ 0, got \(epsilon)")
            precondition(weightDecay >= 0, "Adam: weight decay must be ≥ 0, got \(weightDecay)")
            self.learningRate = learningRate
            self.betas = betas
            self.epsilon = epsilon
            self.weightDecay = weightDecay
            self.amsgrad = amsgrad
        }
    }

    /// One parameter's moments and step count.
    final class ParameterState {
        var step: Int
        let firstMoment: Tensor
        let secondMoment: Tensor
        var maximumSecondMoment: Tensor?

        init(step: Int, firstMoment: Tensor, secondMoment: Tensor, maximumSecondMoment: Tensor?) {
            self.step = step
            self.firstMoment = firstMoment
            self.secondMoment = secondMoment
            self.maximumSecondMoment = maximumSecondMoment
        }
    }

    private var storage: OptimizerGroups<Options>
    private var states: [ParameterState?]
    /// Whether weight decay is decoupled (AdamW) rather than added to the gradient.
    let decoupledWeightDecay: Bool
    private let name: String

    /// The parameter groups and their options (options may be changed between steps).
    public var groups: [ParameterGroup<Options>] {
        get { storage.groups }
        set {
            precondition(newValue.map(\.parameters.count) == storage.groups.map(\.parameters.count),
                         "\(name): groups may change options, not parameters")
            storage.groups = newValue
        }
    }

    init(groups: [ParameterGroup<Options>], decoupledWeightDecay: Bool, name: String) {
        storage = OptimizerGroups(groups, optimizer: name)
        states = Array(repeating: nil, count: storage.parameterCount)
        self.decoupledWeightDecay = decoupledWeightDecay
        self.name = name
    }

    /// An optimizer over parameter groups with their own options.
    public convenience init(groups: [ParameterGroup<Options>]) {
        self.init(groups: groups, decoupledWeightDecay: false, name: "Adam")
    }

    /// An optimizer over `parameters` with one set of options (PyTorch's defaults).
    public convenience init(parameters: [Tensor], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                            epsilon: Float = 1e-8, weightDecay: Float = 0, amsgrad: Bool = false) {
        self.init(groups: [ParameterGroup(parameters, options: Options(
            learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay, amsgrad: amsgrad))])
    }

    /// The first group's learning rate; setting it rescales every group (see ``Optimizer/learningRate``).
    public var learningRate: Float {
        get { storage.learningRate }
        set { storage.learningRate = newValue }
    }

    /// Every parameter, in group order.
    public var parameters: [Tensor] { storage.parameters }

    /// The number of steps taken by the parameter at `index` (counting across groups).
    public func stepCount(ofParameterAt index: Int) -> Int { states[index]?.step ?? 0 }

    /// Updates every parameter that has a gradient (one fused pass per tensor).
    public func step() {
        var index = 0
        for group in storage.groups {
            let o = group.options
            for parameter in group.parameters {
                defer { index += 1 }
                guard let gradient = OptimizerGroups<Options>.gradient(of: parameter, optimizer: name) else { continue }
                let state: ParameterState
                if let existing = states[index] {
                    state = existing
                } else {
                    state = ParameterState(step: 0, firstMoment: .zeros(parameter.shape),
                                           secondMoment: .zeros(parameter.shape), maximumSecondMoment: nil)
                    states[index] = state
                }
                if o.amsgrad && state.maximumSecondMoment == nil { state.maximumSecondMoment = .zeros(parameter.shape) }
                state.step += 1
                let maximum = o.amsgrad ? state.maximumSecondMoment : nil
                update(parameter.pointer(as: Float.self), UnsafePointer(gradient.pointer(as: Float.self)),
                       state.firstMoment.pointer(as: Float.self), state.secondMoment.pointer(as: Float.self),
                       maximum?.pointer(as: Float.self), count: parameter.count, step: state.step, options: o)
                withExtendedLifetime((gradient, maximum)) {}
            }
        }
    }

    /// The fused update of one parameter (see the type's documentation). Scalar constants (bias
    /// corrections, 1 − β) are computed in Double from the decimal hyper-parameters, then the
    /// per-element work is in float32, as in PyTorch.
    private func update(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                        _ v: UnsafeMutablePointer<Float>, _ vMax: UnsafeMutablePointer<Float>?,
                        count: Int, step: Int, options o: Options) {
        let beta1 = decimalWidened(o.betas.0), beta2 = decimalWidened(o.betas.1)
        let learningRate = decimalWidened(o.learningRate), weightDecay = decimalWidened(o.weightDecay)
        let correction1 = 1 - Foundation.pow(beta1, Double(step))
        let correction2 = 1 - Foundation.pow(beta2, Double(step))
        let stepSize = SIMD8<Float>(repeating: Float(learningRate / correction1))
        let correction2Root = SIMD8<Float>(repeating: Float(correction2.squareRoot()))
        let oneMinusBeta1 = SIMD8<Float>(repeating: Float(1 - beta1))
        let vb2 = SIMD8<Float>(repeating: Float(beta2)), oneMinusBeta2 = SIMD8<Float>(repeating: Float(1 - beta2))
        let eps = SIMD8<Float>(repeating: o.epsilon)
        let decoupled = decoupledWeightDecay
        let decayFactor = SIMD8<Float>(repeating: decoupled ? Float(1 - learningRate * weightDecay) : 1)
        let coupledDecay = SIMD8<Float>(repeating: decoupled ? 0 : o.weightDecay)
        let useCoupled = !decoupled && o.weightDecay != 0, useDecoupled = decoupled && o.weightDecay != 0
        forEachVectorChunk(count) { i, lanes in
            var pv = loadPartial(p + i, lanes)
            var gv = loadPartial(g + i, lanes)
            if useCoupled { gv += coupledDecay * pv }
            if useDecoupled { pv *= decayFactor }
            var mv = loadPartial(m + i, lanes)
            mv += oneMinusBeta1 * (gv - mv)
            var vv = loadPartial(v + i, lanes)
            vv = vv * vb2 + oneMinusBeta2 * gv * gv
            storePartial(mv, m + i, lanes)
            storePartial(vv, v + i, lanes)
            if let vMax {
                vv = pointwiseMax(loadPartial(vMax + i, lanes), vv)
                storePartial(vv, vMax + i, lanes)
            }
            let denominator = vv.squareRoot() / correction2Root + eps
            pv -= stepSize * (mv / denominator)
            storePartial(pv, p + i, lanes)
        }
    }

    /// `state.<i>.step` (int64), `state.<i>.exp_avg`, `state.<i>.exp_avg_sq` (and
    /// `state.<i>.max_exp_avg_sq` with AMSGrad) for every parameter stepped so far, and the group
    /// learning rates.
    public func stateDict() -> [String: Tensor] {
        var result = storage.groupState()
        for (i, state) in states.enumerated() {
            guard let state else { continue }
            result["state.\(i).step"] = Tensor(integers: [state.step], shape: [])
            result["state.\(i).exp_avg"] = state.firstMoment.clone()
            result["state.\(i).exp_avg_sq"] = state.secondMoment.clone()
            if let maximum = state.maximumSecondMoment { result["state.\(i).max_exp_avg_sq"] = maximum.clone() }
        }
        return result
    }

    /// Restores moments, step counts and learning rates saved by ``stateDict()``; throws ``StateDictError`` (changing nothing) when shapes or keys do not fit.
    public func loadStateDict(_ state: [String: Tensor]) throws {
        var error = storage.validate(state, perParameter: ["step": false, "exp_avg": true, "exp_avg_sq": true,
                                                           "max_exp_avg_sq": true], optimizer: name)
        // max_exp_avg_sq exists only with AMSGrad: not missing when absent.
        error.missingKeys.removeAll { $0.hasSuffix(".max_exp_avg_sq") }
        if !error.isEmpty { throw error }
        storage.loadGroupState(state)
        for i in states.indices {
            guard let step = state["state.\(i).step"] else {
                states[i] = nil
                continue
            }
            states[i] = ParameterState(step: Int(step.toArray()[0]), firstMoment: ownedCopy(state["state.\(i).exp_avg"]!),
                                       secondMoment: ownedCopy(state["state.\(i).exp_avg_sq"]!),
                                       maximumSecondMoment: state["state.\(i).max_exp_avg_sq"].map(ownedCopy))
        }
    }
}
