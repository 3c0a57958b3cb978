import Flint

/// Validation and learning-rate bookkeeping shared by the optimizers.
struct OptimizerGroups<Options: OptimizerOptions> {
    var groups: [ParameterGroup<Options>]
    /// Each group's learning rate at construction (`initial_lr`).
    var initialLearningRates: [Float]
    /// The index of each parameter's state, counting across groups.
    let parameterCount: Int

    init(_ groups: [ParameterGroup<Options>], optimizer: String) {
        precondition(!groups.isEmpty, "\(optimizer): no parameter groups")
        var seen = Set<ObjectIdentifier>()
        for group in groups {
            for p in group.parameters {
                precondition(p.dtype == .float32 && p.isContiguous,
                             "\(optimizer): parameters must be contiguous float32 tensors, got \(p.dtype) \(p.shape)")
                // Not inside the precondition: -Ounchecked does not evaluate its condition.
                let inserted = seen.insert(ObjectIdentifier(p)).inserted
                precondition(inserted,
                             "\(optimizer): a parameter of shape \(p.shape) appears more than once")
            }
        }
        self.groups = groups
        initialLearningRates = groups.map(\.options.learningRate)
        parameterCount = seen.count
    }

    var parameters: [Tensor] { groups.flatMap(\.parameters) }

    var learningRate: Float {
        get { groups[0].options.learningRate }
        set {
            let reference = initialLearningRates[0]
            for g in groups.indices {
                let initial = initialLearningRates[g]
                groups[g].options.learningRate = reference == 0 || initial == reference
                    ? newValue : Float(Double(newValue) * Double(initial) / Double(reference))
            }
        }
    }

    /// The parameter's gradient as a contiguous float32 tensor of its shape.
    static func gradient(of parameter: Tensor, optimizer: String) -> Tensor? {
        guard let grad = parameter.grad else { return nil }
        precondition(grad.shape == parameter.shape && grad.dtype == .float32,
                     "\(optimizer): gradient \(grad.dtype) \(grad.shape) does not fit parameter \(parameter.shape)")
        return grad.contiguous()
    }

    /// `param_groups.<g>.lr` / `initial_lr` entries.
    func groupState() -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for g in groups.indices {
            state["param_groups.\(g).lr"] = Tensor(groups[g].options.learningRate)
            state["param_groups.\(g).initial_lr"] = Tensor(initialLearningRates[g])
        }
        return state
    }

    /// Checks a saved state against these groups. `perParameter` lists the state tensors a
    /// parameter may have (name → whether it has the parameter's shape; otherwise a scalar) and
    /// which of them must appear together.
    func validate(_ state: [String: Tensor], perParameter: [String: Bool], optimizer: String) -> StateDictError {
        var error = StateDictError(target: optimizer)
        var known = Set<String>()
        for g in groups.indices {
            for key in ["param_groups.\(g).lr", "param_groups.\(g).initial_lr"] {
                known.insert(key)
                if let value = state[key] {
                    if value.count != 1 { error.shapeMismatches.append(.init(key: key, expected: [], found: value.shape)) }
                } else {
                    error.missingKeys.append(key)
                }
            }
        }
        for (i, parameter) in parameters.enumerated() {
            let present = perParameter.keys.filter { state["state.\(i).\($0)"] != nil }
            for (name, full) in perParameter.sorted(by: { $0.key < $1.key }) {
                let key = "state.\(i).\(name)"
                known.insert(key)
                guard let value = state[key] else {
                    if !present.isEmpty { error.missingKeys.append(key) }
                    continue
                }
                if full {
                    if value.shape != parameter.shape {
                        error.shapeMismatches.append(.init(key: key, expected: parameter.shape, found: value.shape))
                    } else if !value.dtype.isFloatingPoint {
                        error.dtypeMismatches.append(.init(key: key, expected: .float32, found: value.dtype))
                    }
                } else if value.count != 1 {
                    error.shapeMismatches.append(.init(key: key, expected: [], found: value.shape))
                }
            }
        }
        error.unexpectedKeys = state.keys.filter { !known.contains($0) }.sorted()
        return error
    }

    /// Restores learning rates from a validated state.
    mutating func loadGroupState(_ state: [String: Tensor]) {
        for g in groups.indices {
            groups[g].options.learningRate = state["param_groups.\(g).lr"]!.item()
            initialLearningRates[g] = state["param_groups.\(g).initial_lr"]!.item()
        }
    }
}

/// A float32 copy of a saved state tensor (contiguous, owned).
func ownedCopy(_ tensor: Tensor) -> Tensor {
    withNoGrad { tensor.detached().to(.float32).clone() }
}

/// A float hyper-parameter widened to Double through its shortest decimal form: `0.999` acts as
/// the decimal 0.999 (as the Python double PyTorch uses), not as the float 0.99900001…, so that
/// derived constants such as 1 − β₂ and 1 − β₂ᵗ match PyTorch's to float precision.
func decimalWidened(_ value: Float) -> Double {
    Double(value.description) ?? Double(value)
}
