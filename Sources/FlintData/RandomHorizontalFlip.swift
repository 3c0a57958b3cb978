#if canImport(Glibc)
import Glibc
#endif
import Flint

/// Mirrors each image of a batch left–right with probability `probability`, like
/// `torchvision.transforms.RandomHorizontalFlip`, deciding image by image.
///
/// For an input `[N, C, H, W]`, image `n` is flipped when the generator's next uniform float
/// `u ∈ [0, 1)` satisfies `u < probability` (one draw per image, in order); then
/// `out[n, c, y, x] = in[n, c, y, W − 1 − x]` for every channel, otherwise `out[n] = in[n]`.
public struct RandomHorizontalFlip: BatchTransform {
    /// The chance that an image is flipped.
    public let probability: Float

    /// Flips each image with probability `probability` (0 never, 1 always).
    public init(probability: Float = 0.5) {
        require(probability >= 0 && probability <= 1, "RandomHorizontalFlip: probability \(probability) is not in [0, 1]")
        self.probability = probability
    }

    /// Flips a random subset of the images of `inputs` (`[N, C, H, W]`).
    public func apply(to inputs: Tensor, using generator: inout RandomGenerator) -> Tensor {
        require(inputs.rank == 4, "RandomHorizontalFlip: expects [N, C, H, W], got shape \(inputs.shape)")
        var flips = [Bool](repeating: false, count: inputs.shape[0])
        for i in 0..<flips.count { flips[i] = generator.nextFloat() < probability }
        return flip(inputs, where: flips)
    }

    /// Mirrors the images whose entry in `flips` is true; copies the others.
    func flip(_ inputs: Tensor, where flips: [Bool]) -> Tensor {
        let source = inputs.contiguous()
        let out = Tensor(uninitializedShape: source.shape, dtype: source.dtype)
        let size = source.dtype.byteSize
        let imageElements = source.count / max(source.shape[0], 1)
        let (rows, width) = (source.shape[1] * source.shape[2], source.shape[3])
        let src = UnsafeRawPointer(source.storage.data + source.offset * size)
        let dst = out.storage.data
        func reverseRows<T>(_: T.Type, _ from: UnsafeRawPointer, _ to: UnsafeMutableRawPointer) {
            let s = from.assumingMemoryBound(to: T.self), d = to.assumingMemoryBound(to: T.self)
            for r in 0..<rows {
                let sr = s + r * width, dr = d + r * width
                for x in 0..<width { dr[x] = sr[width - 1 - x] }
            }
        }
        flips.withUnsafeBufferPointer { flips in
            let work = source.count * size
            Parallel.forChunks(flips.count, minimumChunk: work >= 1 << 20 ? max(1, flips.count * (1 << 18) / work) : flips.count) { images in
                for i in images {
                    let from = src + i * imageElements * size, to = dst + i * imageElements * size
                    if !flips[i] {
                        memcpy(to, from, imageElements * size)
                        continue
                    }
                    switch size {
                    case 8: reverseRows(UInt64.self, from, to)
                    case 4: reverseRows(UInt32.self, from, to)
                    case 2: reverseRows(UInt16.self, from, to)
                    default: reverseRows(UInt8.self, from, to)
                    }
                }
            }
        }
        return out
    }
}
