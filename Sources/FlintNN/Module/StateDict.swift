import Flint

/// What ``Module/loadStateDict(_:strict:)`` left out when not strict.
public struct StateDictLoadResult: Sendable, Equatable {
    /// Keys of the module that the state dict did not provide (left unchanged).
    public let missingKeys: [String]
    /// Keys of the state dict that the module does not have (ignored).
    public let unexpectedKeys: [String]
}

extension Module {
    /// Every parameter and persistent buffer with its dotted name, in PyTorch's `state_dict` order:
    /// each module's parameters, then its buffers, then its children, depth first. Tensors are
    /// detached views of the module's storage (no copy). A tensor shared by two modules appears
    /// under both names, as in PyTorch.
    public func stateDictEntries() -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        func visit(_ module: Module, _ prefix: String) {
            let members = module.directMembers
            for case let .parameter(name, tensor?) in members { result.append((prefix + name, tensor.detached())) }
            for case let .buffer(name, tensor?, true) in members { result.append((prefix + name, tensor.detached())) }
            for case let .child(name, child) in members { visit(child, prefix + name + ".") }
        }
        visit(self, "")
        return result
    }

    /// Parameters and persistent buffers by dotted name (`features.0.weight`,
    /// `bn1.running_mean`, …), as `state_dict()`; the tensors share the module's storage.
    public func stateDict() -> [String: Tensor] {
        Dictionary(stateDictEntries(), uniquingKeysWith: { first, _ in first })
    }

    /// Copies the values of `stateDict` into this module's existing parameters and buffers, in
    /// place (tensor identity is kept, so optimizers holding the parameters keep working).
    ///
    /// Every entry is checked before anything is copied:
    /// - shapes must match exactly;
    /// - dtypes must be of the same kind: a floating-point value is converted to the parameter's
    ///   floating-point dtype (a float16 checkpoint loads into a float32 model); integers likewise;
    ///   floating point ↔ integer is an error;
    /// - with `strict`, the key sets must be equal.
    ///
    /// - Returns: the missing and unexpected keys (always empty when `strict`).
    /// - Throws: ``StateDictError`` listing every missing and unexpected key (when strict) and every
    ///   shape or dtype mismatch; the module is unchanged when it throws.
    @discardableResult
    public func loadStateDict(_ stateDict: [String: Tensor], strict: Bool = true) throws -> StateDictLoadResult {
        try loadStateDict(stateDict, strict: strict, source: String(describing: type(of: self)))
    }

    /// ``loadStateDict(_:strict:)`` naming `source` (a file) in errors.
    func loadStateDict(_ stateDict: [String: Tensor], strict: Bool, source: String) throws -> StateDictLoadResult {
        let entries = stateDictEntries()
        var error = StateDictError(target: source)
        var expectedNames = Set<String>()
        var pairs: [(Tensor, Tensor)] = []
        for (name, target) in entries {
            expectedNames.insert(name)
            guard let value = stateDict[name] else {
                error.missingKeys.append(name)
                continue
            }
            if value.shape != target.shape {
                error.shapeMismatches.append(.init(key: name, expected: target.shape, found: value.shape))
            } else if value.dtype.isFloatingPoint != target.dtype.isFloatingPoint {
                error.dtypeMismatches.append(.init(key: name, expected: target.dtype, found: value.dtype))
            } else {
                pairs.append((target, value))
            }
        }
        let unexpected = stateDict.keys.filter { !expectedNames.contains($0) }.sorted()
        error.unexpectedKeys = unexpected
        let keySetsDiffer = !error.missingKeys.isEmpty || !unexpected.isEmpty
        if !error.shapeMismatches.isEmpty || !error.dtypeMismatches.isEmpty || (strict && keySetsDiffer) {
            if !strict {
                error.missingKeys = []
                error.unexpectedKeys = []
            }
            throw error
        }
        withNoGrad {
            for (target, value) in pairs {
                target.copy(from: value.dtype == target.dtype ? value.detached() : value.detached().to(target.dtype))
            }
        }
        return StateDictLoadResult(missingKeys: error.missingKeys, unexpectedKeys: unexpected)
    }
}
