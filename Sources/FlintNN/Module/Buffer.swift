import Flint

/// Marks a stored `Tensor` / `Tensor?` property of a ``Module`` as a buffer: state that is saved
/// and loaded with the module but is not trained (BatchNorm's running statistics), like
/// `register_buffer`.
///
/// ```swift
/// @Buffer var runningMean: Tensor          // state-dict key "running_mean"
/// ```
///
/// A non-persistent buffer (`persistent: false`) is listed by ``Module/namedBuffers()`` but left
/// out of ``Module/stateDict()``, as PyTorch's `register_buffer(..., persistent=False)`.
@propertyWrapper
public struct Buffer<Value: TensorSlot> {
    /// The tensor (or optional tensor).
    public var wrappedValue: Value
    /// The state-dict name; nil means the property name in snake_case.
    public let name: String?
    /// Whether the buffer is part of the state dict.
    public let persistent: Bool

    /// Wraps `wrappedValue`; `name` overrides the snake_case property name.
    public init(wrappedValue: Value, name: String? = nil, persistent: Bool = true) {
        self.wrappedValue = wrappedValue
        self.name = name
        self.persistent = persistent
    }
}

extension Buffer: ReflectedTensorWrapper {
    var reflectedTensor: Tensor? { wrappedValue.tensorValue }
    var reflectedName: String? { name }
    var isBuffer: Bool { true }
    var isPersistent: Bool { persistent }
}
