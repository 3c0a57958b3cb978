/// A finite, indexable collection of training examples, like `torch.utils.data.Dataset`.
///
/// Datasets are `Sendable` so a ``DataLoader`` can prepare batches on a background thread.
public protocol Dataset: Sendable {
    /// One example.
    associatedtype Element
    /// The number of examples.
    var count: Int { get }
    /// The example at `index` (`0 ..< count`).
    func element(at index: Int) -> Element
}
