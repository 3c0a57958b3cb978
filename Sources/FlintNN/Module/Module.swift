import Flint

/// The base class of every network layer and model, like `torch.nn.Module`.
///
/// A subclass declares its state as stored properties and its computation as methods. A layer that
/// maps one tensor to one tensor also adopts ``UnaryLayer`` and implements `forward(_:)`; it is then
/// callable as `layer(x)` and can go in a ``Sequential``:
///
/// ```swift
/// final class MLP: Module, UnaryLayer {
///     let hidden = Linear(inputFeatures: 784, outputFeatures: 128)
///     let output = Linear(inputFeatures: 128, outputFeatures: 10)
///     func forward(_ x: Tensor) -> Tensor { output(hidden(x).relu()) }
/// }
/// ```
///
/// A module with other inputs (a residual block taking the hidden state and the block's input, an
/// attention layer with a mask) declares its own `callAsFunction(…)` and does not adopt ``UnaryLayer``:
/// calling it with one tensor does not compile, instead of failing at run time.
///
/// Parameters, buffers and sub-modules are found by reflection (see ``directMembers``), in
/// declaration order, so ``namedParameters()`` yields PyTorch's dotted names (`hidden.weight`,
/// `hidden.bias`, `output.weight`, …) and ``stateDict()`` matches the equivalent PyTorch model's
/// `state_dict()` key for key.
open class Module {
    /// Whether the module is in training mode (dropout active, batch norm using batch statistics).
    /// Set recursively by ``train(_:)`` and ``eval()``.
    public internal(set) var isTraining = true

    /// Creates a module in training mode.
    public init() {}

    // MARK: Structure

    /// This module's own parameters, buffers and children, in order.
    ///
    /// The default reflects over stored properties (see ``Module``); override it for a custom
    /// layout, as ``Sequential`` does to name its layers `0`, `1`, ….
    open var directMembers: [ModuleMember] {
        reflectedMembers()
    }

    /// The immediate sub-modules with their local names.
    public var namedChildren: [(String, Module)] {
        directMembers.compactMap {
            if case let .child(name, module) = $0 { return (name, module) }
            return nil
        }
    }

    /// The immediate sub-modules.
    public var children: [Module] { namedChildren.map(\.1) }

    /// Every module in the tree, this one first (named ""), then depth-first in declaration order,
    /// with dotted names; a module reachable twice is listed once (as `named_modules`).
    public func namedModules() -> [(String, Module)] {
        var result: [(String, Module)] = []
        walk { prefix, module, _ in result.append((prefix, module)) }
        return result
    }

    /// Visits every module once, depth first in declaration order, with its dotted name and its
    /// ``directMembers`` (reflected once per module).
    private func walk(_ visit: (String, Module, [ModuleMember]) -> Void) {
        var seen = Set<ObjectIdentifier>()
        func recurse(_ module: Module, _ prefix: String) {
            guard seen.insert(ObjectIdentifier(module)).inserted else { return }
            let members = module.directMembers
            visit(prefix, module, members)
            for case let .child(name, child) in members {
                recurse(child, prefix.isEmpty ? name : prefix + "." + name)
            }
        }
        recurse(self, "")
    }

    /// Every module in the tree, this one first.
    public func modules() -> [Module] { namedModules().map(\.1) }

    /// All parameters with dotted names (`features.0.weight`), in declaration order, each tensor once
    /// (a shared parameter keeps its first name), skipping absent optional parameters.
    public func namedParameters() -> [(String, Tensor)] {
        collect { member in
            if case let .parameter(name, tensor?) = member { return (name, tensor) }
            return nil
        }
    }

    /// All parameters, in the order of ``namedParameters()``.
    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// All buffers (persistent or not) with dotted names, in declaration order.
    public func namedBuffers() -> [(String, Tensor)] {
        collect { member in
            if case let .buffer(name, tensor?, _) = member { return (name, tensor) }
            return nil
        }
    }

    /// All buffers.
    public func buffers() -> [Tensor] { namedBuffers().map(\.1) }

    /// The number of scalar parameters (each shared tensor counted once).
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Walks the module tree and gathers the tensors `pick` selects, de-duplicated by identity.
    private func collect(_ pick: (ModuleMember) -> (String, Tensor)?) -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var result: [(String, Tensor)] = []
        walk { prefix, _, members in
            for member in members {
                guard let (name, tensor) = pick(member) else { continue }
                let inserted = seen.insert(ObjectIdentifier(tensor)).inserted
                if inserted { result.append((prefix.isEmpty ? name : prefix + "." + name, tensor)) }
            }
        }
        return result
    }

    // MARK: Modes and gradients

    /// Sets training mode on this module and every sub-module; returns `self`.
    @discardableResult
    public func train(_ mode: Bool = true) -> Self {
        for module in modules() { module.isTraining = mode }
        return self
    }

    /// Switches this module and every sub-module to evaluation mode; returns `self`.
    @discardableResult
    public func eval() -> Self { train(false) }

    /// Clears the gradient of every parameter (`zero_grad(set_to_none=True)`).
    public func zeroGrad() {
        for parameter in parameters() { parameter.grad = nil }
    }

    /// Sets ``Tensor/requiresGrad`` on every parameter (false freezes the module); returns `self`.
    @discardableResult
    public func requiringGrad(_ flag: Bool) -> Self {
        for parameter in parameters() { parameter.requiresGrad = flag }
        return self
    }

    // MARK: Description

    /// A one-line summary of this module's configuration, shown by `description`
    /// (`in_features=784, out_features=10, bias=true`). Empty by default.
    open var extraDescription: String { "" }
}

extension Module: CustomStringConvertible {
    /// The module tree in PyTorch's printed style.
    public var description: String {
        let name = String(describing: type(of: self))
        let children = namedChildren
        if children.isEmpty { return "\(name)(\(extraDescription))" }
        var lines = ["\(name)("]
        if !extraDescription.isEmpty { lines.append("  " + extraDescription) }
        for (childName, child) in children {
            let nested = child.description.split(separator: "\n", omittingEmptySubsequences: false)
            lines.append("  (\(childName)): " + nested[0])
            for line in nested.dropFirst() { lines.append("  " + line) }
        }
        lines.append(")")
        return lines.joined(separator: "\n")
    }
}
