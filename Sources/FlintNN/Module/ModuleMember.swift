import Flint

/// One piece of a module's own state, as discovered by reflection (or listed by an override of
/// ``Module/directMembers``): a parameter, a buffer or a child module, with its local name.
public enum ModuleMember {
    /// A trainable tensor (nil for an absent optional parameter, such as `bias` when disabled).
    case parameter(name: String, tensor: Tensor?)
    /// A non-trainable tensor saved with the module unless not `persistent`.
    case buffer(name: String, tensor: Tensor?, persistent: Bool)
    /// A sub-module.
    case child(name: String, module: Module)
}

extension Module {
    /// Reflects over the stored properties of `self`'s class chain, base classes first and each in
    /// declaration order, stopping at ``Module``.
    ///
    /// - `Tensor` / `Tensor?` → parameter; `[Tensor]` → parameters `name.0`, `name.1`, …
    /// - ``Parameter`` / ``Buffer`` wrappers → parameter / buffer with the wrapper's name if given
    /// - `Module` / `Module?` → child; `[Module]` (any module subclass) → children `name.0`, …
    /// - anything else is ignored.
    ///
    /// Names are the Swift property names converted to snake_case (`runningMean` →
    /// `running_mean`).
    func reflectedMembers() -> [ModuleMember] {
        var levels: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let current = mirror, current.subjectType != Module.self {
            levels.append(current)
            mirror = current.superclassMirror
        }
        var members: [ModuleMember] = []
        for level in levels.reversed() {
            for child in level.children {
                guard let label = child.label else { continue }
                Module.classify(label: label, value: child.value, into: &members)
            }
        }
        return members
    }

    private static func classify(label: String, value: Any, into members: inout [ModuleMember]) {
        if let wrapper = value as? ReflectedTensorWrapper {
            let property = label.hasPrefix("_") ? String(label.dropFirst()) : label
            let name = wrapper.reflectedName ?? snakeCased(property)
            if wrapper.isBuffer {
                members.append(.buffer(name: name, tensor: wrapper.reflectedTensor, persistent: wrapper.isPersistent))
            } else {
                members.append(.parameter(name: name, tensor: wrapper.reflectedTensor))
            }
            return
        }
        // Lazy and wrapped storage of other kinds is not state.
        if label.hasPrefix("$__lazy_storage_$_") { return }
        let name = snakeCased(label)
        switch value {
        case let tensor as Tensor:
            members.append(.parameter(name: name, tensor: tensor))
        case let tensor as Tensor?:
            members.append(.parameter(name: name, tensor: tensor))
        case let module as Module:
            members.append(.child(name: name, module: module))
        case let module as Module?:
            if let module { members.append(.child(name: name, module: module)) }
        case let modules as [Module]:
            for (i, module) in modules.enumerated() { members.append(.child(name: "\(name).\(i)", module: module)) }
        case let tensors as [Tensor]:
            for (i, tensor) in tensors.enumerated() { members.append(.parameter(name: "\(name).\(i)", tensor: tensor)) }
        default:
            break
        }
    }

    /// `camelCase` → `snake_case`: an underscore goes before an upper-case letter that follows a
    /// lower-case letter or digit, or that starts a word after an acronym (`URLValue` →
    /// `url_value`); leading underscores are kept.
    static func snakeCased(_ name: String) -> String {
        let characters = Array(name)
        var result = ""
        result.reserveCapacity(characters.count + 4)
        for (i, c) in characters.enumerated() {
            if c.isUppercase && i > 0 {
                let previous = characters[i - 1]
                let nextIsLower = i + 1 < characters.count && characters[i + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) {
                    result.append("_")
                }
            }
            result.append(contentsOf: c.lowercased())
        }
        return result
    }
}
