import Flint

/// A stored property type that can hold a module's tensor state: `Tensor` or `Tensor?`.
///
/// ``Parameter`` and ``Buffer`` wrap values of these types; reflection reads them through
/// ``tensorValue``.
public protocol TensorSlot {
    /// The tensor held, or nil for an absent optional tensor.
    var tensorValue: Tensor? { get }
}

extension Tensor: TensorSlot {
    /// The tensor itself.
    public var tensorValue: Tensor? { self }
}

extension Optional: TensorSlot where Wrapped == Tensor {
    /// The wrapped tensor, if any.
    public var tensorValue: Tensor? { self }
}
