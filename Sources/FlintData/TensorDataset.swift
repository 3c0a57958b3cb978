#if canImport(Glibc)
import Glibc
#endif
import Flint

/// A dataset held in memory as two tensors: `images` `[N, …]` (for images `[N, C, H, W]`
/// float32) and `labels` `[N]` int64, like `torch.utils.data.TensorDataset`.
///
/// ``batch(indices:using:)`` gathers the chosen rows with one `memcpy` each into a fresh
/// contiguous batch and then applies the optional ``transform`` (augmentation, normalisation) to
/// the whole batch.
public struct TensorDataset: Dataset {
    /// The inputs, contiguous, batch dimension first.
    public let images: Tensor
    /// The class labels, `[N]`, int64, contiguous.
    public let labels: Tensor
    /// Applied to every gathered batch's inputs (not to ``element(at:)``).
    public var transform: (any BatchTransform)?

    /// Wraps `images` (`[N, …]`, made contiguous) and `labels` (`[N]`, int64).
    public init(images: Tensor, labels: Tensor, transform: (any BatchTransform)? = nil) {
        require(images.rank >= 1, "TensorDataset: images need a batch dimension, got shape \(images.shape)")
        require(labels.dtype == .int64, "TensorDataset: labels must be int64, got \(labels.dtype)")
        require(labels.rank == 1 && labels.shape[0] == images.shape[0],
                     "TensorDataset: images \(images.shape) and labels \(labels.shape) disagree on the example count")
        self.images = images.detached().contiguous()
        self.labels = labels.detached().contiguous()
        self.transform = transform
    }

    /// The number of examples.
    public var count: Int { images.shape[0] }

    /// The shape of one example (`images.shape` without the first dimension).
    public var sampleShape: [Int] { Array(images.shape.dropFirst()) }

    /// The untransformed example at `index`: a view of its image (no copy) and its label.
    public func element(at index: Int) -> (image: Tensor, label: Int) {
        require(index >= 0 && index < count, "TensorDataset.element: index \(index) is out of range 0..<\(count)")
        let sampleCount = Shape.count(sampleShape)
        let image = Tensor(storage: images.storage, dtype: images.dtype, shape: sampleShape,
                           offset: images.offset + index * sampleCount)
        return (image, Int(labels.pointer(as: Int64.self)[index]))
    }

    /// The examples at `indices`, stacked in that order, with ``transform`` applied using a
    /// generator seeded from the process-wide default one (which advances by one draw; see
    /// `RandomGenerator.manualSeed`). The default generator is not locked while the batch is built.
    public func batch(indices: [Int]) -> Batch {
        guard transform != nil else { return gather(indices: indices) }
        var generator = RandomGenerator(seed: RandomGenerator.withDefault { $0.next() })
        return batch(indices: indices, using: &generator)
    }

    /// The examples at `indices`, stacked in that order, with ``transform`` applied drawing from
    /// `generator`.
    public func batch(indices: [Int], using generator: inout RandomGenerator) -> Batch {
        let gathered = gather(indices: indices)
        guard let transform else { return gathered }
        return Batch(inputs: transform.apply(to: gathered.inputs, using: &generator), labels: gathered.labels)
    }

    /// The examples at `indices` stacked without applying ``transform``.
    public func gather(indices: [Int]) -> Batch {
        let n = count
        let rowBytes = Shape.count(sampleShape) * images.dtype.byteSize
        let inputs = Tensor(uninitializedShape: [indices.count] + sampleShape, dtype: images.dtype)
        let labelsOut = Tensor(uninitializedShape: [indices.count], dtype: .int64)
        let source = UnsafeRawPointer(images.storage.data + images.offset * images.dtype.byteSize)
        let destination = inputs.storage.data
        let sourceLabels = UnsafePointer(labels.pointer(as: Int64.self))
        let destinationLabels = labelsOut.pointer(as: Int64.self)
        indices.withUnsafeBufferPointer { chosen in
            // Copies of at least ~512 KiB per chunk are worth a second thread.
            let minimumRows = max(1, (1 << 19) / max(rowBytes, 1))
            Parallel.forChunks(chosen.count, minimumChunk: minimumRows) { range in
                for k in range {
                    let index = chosen[k]
                    require(index >= 0 && index < n, "TensorDataset.batch: index \(index) is out of range 0..<\(n)")
                    memcpy(destination + k * rowBytes, source + index * rowBytes, rowBytes)
                    destinationLabels[k] = sourceLabels[index]
                }
            }
        }
        return Batch(inputs: inputs, labels: labelsOut)
    }

    /// A new dataset holding copies of the examples at `indices` (same transform), e.g. a
    /// validation split or a small subset for a quick run.
    public func subset(indices: [Int]) -> TensorDataset {
        let gathered = gather(indices: indices)
        return TensorDataset(images: gathered.inputs, labels: gathered.labels, transform: transform)
    }

    /// The same data with `transform` applied to gathered batches (storage is shared).
    public func withTransform(_ transform: (any BatchTransform)?) -> TensorDataset {
        var copy = self
        copy.transform = transform
        return copy
    }
}
