import Flint

/// Marks a stored `Tensor` / `Tensor?` property of a ``Module`` as a parameter with an explicit
/// state-dict name.
///
/// Plain stored `Tensor` properties are already parameters (named by the property's Swift name
/// converted to snake_case), so the wrapper is only needed when the PyTorch name differs:
///
/// ```swift
/// @Parameter var inputProjection: Tensor
/// init(...) {
///     _inputProjection = Parameter(wrappedValue: weight, name: "in_proj_weight")
/// }
/// ```
@propertyWrapper
public struct Parameter<Value: TensorSlot> {
    /// The tensor (or optional tensor).
    public var wrappedValue: Value
    /// The state-dict name; nil means the property name in snake_case.
    public let name: String?

    /// Wraps `wrappedValue`, optionally naming it `name` in state dicts.
    public init(wrappedValue: Value, name: String? = nil) {
        self.wrappedValue = wrappedValue
        self.name = name
    }
}

/// Type-erased access to the wrappers for reflection.
protocol ReflectedTensorWrapper {
    var reflectedTensor: Tensor? { get }
    var reflectedName: String? { get }
    var isBuffer: Bool { get }
    var isPersistent: Bool { get }
}

extension Parameter: ReflectedTensorWrapper {
    var reflectedTensor: Tensor? { wrappedValue.tensorValue }
    var reflectedName: String? { name }
    var isBuffer: Bool { false }
    var isPersistent: Bool { true }
}
