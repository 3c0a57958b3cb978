import Flint

/// Standardises each channel of a batch, like `torchvision.transforms.Normalize`:
///
///     out[n, c, …] = (in[n, c, …] − mean[c]) / std[c]
///
/// computed as one fused multiply-add `in · (1/std) + (−mean/std)` per element. With one mean
/// and one standard deviation, every channel uses them. Inputs are float32 `[N, C, …]`.
public struct Normalize: BatchTransform {
    /// Per-channel means (or one for all channels).
    public let mean: [Float]
    /// Per-channel standard deviations (or one for all channels), all positive.
    public let std: [Float]

    /// Normalises channel `c` with `mean[c]` and `std[c]`.
    public init(mean: [Float], std: [Float]) {
        require(!mean.isEmpty && mean.count == std.count,
                     "Normalize: \(mean.count) means and \(std.count) standard deviations; need the same non-zero number")
        require(std.allSatisfy { $0 > 0 }, "Normalize: standard deviations must be positive, got \(std)")
        self.mean = mean
        self.std = std
    }

    /// Normalises `inputs`; the generator is not used.
    public func apply(to inputs: Tensor, using generator: inout RandomGenerator) -> Tensor {
        apply(to: inputs)
    }

    /// Normalises `inputs` (`[N, C, …]`, float32) into a new tensor.
    public func apply(to inputs: Tensor) -> Tensor {
        require(inputs.dtype == .float32, "Normalize: expects float32 inputs, got \(inputs.dtype)")
        require(inputs.rank >= 2, "Normalize: expects [N, C, …], got shape \(inputs.shape)")
        let channels = inputs.shape[1]
        require(mean.count == 1 || mean.count == channels,
                     "Normalize: \(mean.count) means for \(channels) channels (input shape \(inputs.shape))")
        let source = inputs.contiguous()
        let out = Tensor(uninitializedShape: source.shape, dtype: .float32)
        let plane = source.count / max(source.shape[0] * channels, 1)
        let planes = source.shape[0] * channels
        let scales = std.map { 1 / $0 }
        let biases = zip(mean, std).map { -$0 / $1 }
        let src = UnsafePointer(source.floatPointer), dst = out.floatPointer
        scales.withUnsafeBufferPointer { scales in
            biases.withUnsafeBufferPointer { biases in
                Parallel.forChunks(planes, minimumChunk: max(1, (1 << 18) / max(plane, 1))) { range in
                    for p in range {
                        let c = scales.count == 1 ? 0 : p % channels
                        affineMap(src + p * plane, dst + p * plane, count: plane, scale: scales[c], bias: biases[c])
                    }
                }
            }
        }
        return out
    }
}
