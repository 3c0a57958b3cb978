/// Whether operations record the autograd graph on the current thread/task.
///
/// Recording is on by default. Inside ``withNoGrad(_:)`` no graph is built and results never
/// require gradients: inference pays no autograd bookkeeping.
public enum GradMode {
    @TaskLocal static var disabled = false

    /// Whether ops record a backward graph here.
    public static var isEnabled: Bool { !disabled }
}

/// Runs `body` with gradient recording switched off, like `torch.no_grad()`.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$disabled.withValue(true) { try body() }
}

/// Runs `body` with gradient recording switched off (async variant).
public func withNoGrad<R: Sendable>(_ body: () async throws -> R) async rethrows -> R {
    try await GradMode.$disabled.withValue(true) { try await body() }
}

/// Runs `body` with gradient recording switched on, even inside a no-grad scope.
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$disabled.withValue(false) { try body() }
}

/// One recorded operation: its inputs and the function that maps the gradient of its output to
/// the gradients of its inputs (nil for an input that needs none).
final class GradientNode {
    let op: String
    private(set) var inputs: [Tensor]
    private var backwardFunction: ((Tensor) -> [Tensor?])?

    init(op: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backwardFunction = backward
    }

    var isReleased: Bool { backwardFunction == nil }

    func callAsFunction(_ gradient: Tensor) -> [Tensor?] {
        guard let f = backwardFunction else {
            fatalError("backward: trying to go through the graph of '\(op)' a second time; pass retainGraph: true to the first backward()")
        }
        return f(gradient)
    }

    /// Drops the saved tensors and the links to inputs.
    func release() {
        backwardFunction = nil
        inputs = []
    }
}

extension Tensor {
    /// Attaches a backward function to `output` when recording is on and any input requires
    /// gradients. Returns `output`.
    ///
    /// The backward closure must not capture `output` itself (that would make a reference cycle):
    /// capture `output.detached()` when the result is needed.
    @discardableResult
    public static func record(_ output: Tensor, op: String, inputs: [Tensor],
                              backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled else { return output }
        var any = false
        for input in inputs where input.requiresGrad {
            any = true
            break
        }
        guard any else { return output }
        output.requiresGrad = true
        output.gradientNode = GradientNode(op: op, inputs: inputs, backward: backward)
        return output
    }

    /// The operation that produced this tensor, if recorded (for debugging, like `grad_fn`).
    public var gradientFunctionName: String? { gradientNode?.op }

    /// A view of the same memory that is cut from the graph (`tensor.detach()`).
    public func detached() -> Tensor {
        Tensor(storage: storage, dtype: dtype, shape: shape, strides: strides, offset: offset)
    }

    /// Clears the accumulated gradient (`zero_grad(set_to_none=True)`).
    public func zeroGrad() {
        grad = nil
    }

    /// Back-propagates from this tensor: every leaf that requires gradients and contributes to it
    /// gets its ``grad`` increased by d(self·gradient)/d(leaf).
    ///
    /// - Parameters:
    ///   - gradient: the seed gradient, of this tensor's shape. May be omitted for a one-element
    ///     tensor (then 1).
    ///   - retainGraph: keep the graph so that `backward` can run through it again.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false) {
        require(requiresGrad, "backward: tensor does not require grad and has no grad function")
        let seed: Tensor
        if let gradient {
            require(gradient.shape == shape, "backward: gradient shape \(gradient.shape) does not match tensor shape \(shape)")
            seed = gradient
        } else {
            require(count == 1, "backward: a gradient can be implied only for one-element outputs; shape is \(shape)")
            seed = Tensor.ones(shape)
        }
        let order = topologicalOrder()
        var gradients: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        withNoGrad {
            for tensor in order.reversed() {
                guard let g = gradients.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
                if let node = tensor.gradientNode {
                    let inputGradients = node(g)
                    let inputs = node.inputs
                    require(inputGradients.count == inputs.count, "backward of '\(node.op)' returned \(inputGradients.count) gradients for \(inputs.count) inputs")
                    for (input, inputGradient) in zip(inputs, inputGradients) {
                        guard input.requiresGrad, let inputGradient else { continue }
                        require(inputGradient.shape == input.shape,
                                     "backward of '\(node.op)': gradient shape \(inputGradient.shape) for an input of shape \(input.shape)")
                        let key = ObjectIdentifier(input)
                        if let existing = gradients[key] {
                            gradients[key] = existing + inputGradient
                        } else {
                            gradients[key] = inputGradient
                        }
                    }
                    if !retainGraph { node.release() }
                } else if tensor.requiresGrad {
                    if let existing = tensor.grad {
                        tensor.grad = existing + g
                    } else {
                        tensor.grad = g.clone()
                    }
                }
            }
        }
    }

    /// Tensors reachable from this one through recorded nodes, inputs before outputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (tensor, next) = stack.popLast() {
            let inputs = tensor.gradientNode?.inputs ?? []
            if next < inputs.count {
                stack.append((tensor, next + 1))
                let input = inputs[next]
                if input.requiresGrad && visited.insert(ObjectIdentifier(input)).inserted {
                    stack.append((input, 0))
                }
            } else {
                order.append(tensor)
            }
        }
        return order
    }
}
