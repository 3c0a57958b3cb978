import Flint

/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight
/// decay, exactly as `torch.optim.SGD`. Per parameter p with gradient g, on each step:
///
///     d = g + λ·p                                   (weight decay λ)
///     b = d                      on the first step  (momentum μ ≠ 0)
///     b = μ·b + (1 − τ)·d        afterwards          (dampening τ)
///     d = d + μ·b  (Nesterov)   or   d = b
///     p = p − lr·d
///
/// The update is one fused SIMD pass over each parameter.
public final class SGD: Optimizer {
    /// SGD's hyper-parameters.
    public struct Options: OptimizerOptions, Sendable {
        /// The step size.
        public var learningRate: Float
        /// The momentum factor μ (0 disables momentum).
        public var momentum: Float
        /// The dampening τ applied to new gradients in the momentum buffer.
        public var dampening: Float
        /// The L2 penalty λ added to the gradient.
        public var weightDecay: Float
        /// Whether to use Nesterov momentum (needs μ > 0 and τ = 0).
        public var nesterov: Bool

        /// Options with PyTorch's defaults besides the learning rate.
        public init(learningRate: Float, momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0,
                    nesterov: Bool = false) {
            precondition(learningRate >= 0, "SGD: learning rate must be ≥ 0, got \(learningRate)")
            precondition(momentum >= 0, "SGD: momentum must be ≥ 0, got \(momentum)")
            precondition(weightDecay >= 0, "SGD: weight decay must be ≥ 0, got \(weightDecay)")
            precondition(!nesterov || (momentum > 0 && dampening == 0),
                         "SGD: Nesterov momentum requires a momentum > 0 and zero dampening")
            self.learningRate = learningRate
            self.momentum = momentum
            self.dampening = dampening
            self.weightDecay = weightDecay
            self.nesterov = nesterov
        }
    }

    private var storage: OptimizerGroups<Options>
    /// Momentum buffers by parameter index (nil until the parameter's first step with momentum).
    private var momentumBuffers: [Tensor?]

    /// The parameter groups and their options (options may be changed between steps).
    public var groups: [ParameterGroup<Options>] {
        get { storage.groups }
        set {
            precondition(newValue.map(\.parameters.count) == storage.groups.map(\.parameters.count),
                         "SGD: groups may change options, not parameters")
            storage.groups = newValue
        }
    }

    /// An optimizer over parameter groups with their own options.
    public init(groups: [ParameterGroup<Options>]) {
        storage = OptimizerGroups(groups, optimizer: "SGD")
        momentumBuffers = Array(repeating: nil, count: storage.parameterCount)
    }

    /// An optimizer over `parameters` with one set of options.
    public convenience init(parameters: [Tensor], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                            weightDecay: Float = 0, nesterov: Bool = false) {
        self.init(groups: [ParameterGroup(parameters, options: Options(
            learningRate: learningRate, momentum: momentum, dampening: dampening,
            weightDecay: weightDecay, nesterov: nesterov))])
    }

    /// The first group's learning rate; setting it rescales every group (see ``Optimizer/learningRate``).
    public var learningRate: Float {
        get { storage.learningRate }
        set { storage.learningRate = newValue }
    }

    /// Every parameter, in group order.
    public var parameters: [Tensor] { storage.parameters }

    /// Updates every parameter that has a gradient (one fused pass per tensor).
    public func step() {
        var index = 0
        for group in storage.groups {
            let o = group.options
            for parameter in group.parameters {
                defer { index += 1 }
                guard let gradient = OptimizerGroups<Options>.gradient(of: parameter, optimizer: "SGD") else { continue }
                var buffer: Tensor? = nil
                var first = false
                if o.momentum != 0 {
                    if let existing = momentumBuffers[index] {
                        buffer = existing
                    } else {
                        buffer = Tensor(uninitializedShape: parameter.shape)
                        momentumBuffers[index] = buffer
                        first = true
                    }
                }
                SGD.update(parameter.pointer(as: Float.self), UnsafePointer(gradient.pointer(as: Float.self)),
                           buffer?.pointer(as: Float.self), count: parameter.count, options: o, firstStep: first)
                withExtendedLifetime((gradient, buffer)) {}
            }
        }
    }

    /// The fused update of one parameter (see the type's documentation).
    private static func update(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
                               _ b: UnsafeMutablePointer<Float>?, count: Int, options o: Options, firstStep: Bool) {
        let lr = SIMD8<Float>(repeating: o.learningRate)
        let decay = SIMD8<Float>(repeating: o.weightDecay)
        let mu = SIMD8<Float>(repeating: o.momentum)
        let keep = SIMD8<Float>(repeating: Float(1 - decimalWidened(o.dampening)))
        let useDecay = o.weightDecay != 0, nesterov = o.nesterov
        forEachVectorChunk(count) { i, lanes in
            let pv = loadPartial(p + i, lanes)
            var d = loadPartial(g + i, lanes)
            if useDecay { d += decay * pv }
            if let b {
                let bv = firstStep ? d : mu * loadPartial(b + i, lanes) + keep * d
                storePartial(bv, b + i, lanes)
                d = nesterov ? d + mu * bv : bv
            }
            storePartial(pv - lr * d, p + i, lanes)
        }
    }

    /// `state.<i>.momentum_buffer` for every parameter that has one, and the group learning rates.
    public func stateDict() -> [String: Tensor] {
        var state = storage.groupState()
        for (i, buffer) in momentumBuffers.enumerated() {
            if let buffer { state["state.\(i).momentum_buffer"] = buffer.clone() }
        }
        return state
    }

    /// Restores momentum buffers and learning rates saved by ``stateDict()``; throws ``StateDictError`` (changing nothing) when shapes or keys do not fit.
    public func loadStateDict(_ state: [String: Tensor]) throws {
        let error = storage.validate(state, perParameter: ["momentum_buffer": true], optimizer: "SGD")
        if !error.isEmpty { throw error }
        storage.loadGroupState(state)
        for i in momentumBuffers.indices {
            momentumBuffers[i] = state["state.\(i).momentum_buffer"].map(ownedCopy)
        }
    }
}
