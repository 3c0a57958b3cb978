#if canImport(Glibc)
import Glibc
#endif
import Flint

/// Pads every image of a batch on all four sides and cuts a random window out of it, like
/// `torchvision.transforms.RandomCrop(size, padding)` applied image by image.
///
/// For an input `[N, C, H, W]` the output is `[N, C, height, width]`. For image `n` the
/// transform draws `top ∈ [0, H + 2·padding − height]` and then `left ∈ [0, W + 2·padding − width]`
/// (uniformly, in that order, from the generator) and sets
///
///     out[n, c, y, x] = in[n, c, y + top − padding, x + left − padding]   inside the image,
///                       fill                                               in the padding.
///
/// All channels of an image share the window. `fill` is the padding value: 0 is black for
/// pixels in [0, 1]; for a data set already normalised with mean μ and standard deviation σ,
/// black is `−μ/σ` (or load without normalisation and put ``Normalize`` after the crop).
public struct RandomCrop: BatchTransform {
    /// Output height.
    public let height: Int
    /// Output width.
    public let width: Int
    /// Padding added on each side before cropping.
    public let padding: Int
    /// The value of padded pixels.
    public let fill: Float

    /// A square crop of `size` × `size` after padding each side by `padding` with `fill`.
    public init(size: Int, padding: Int = 0, fill: Float = 0) {
        self.init(height: size, width: size, padding: padding, fill: fill)
    }

    /// A `height` × `width` crop after padding each side by `padding` with `fill`.
    public init(height: Int, width: Int, padding: Int = 0, fill: Float = 0) {
        require(height > 0 && width > 0 && padding >= 0,
                     "RandomCrop: size \(height)×\(width) must be positive and padding \(padding) non-negative")
        self.height = height
        self.width = width
        self.padding = padding
        self.fill = fill
    }

    /// Crops every image of `inputs` (`[N, C, H, W]`) at its own random offset.
    public func apply(to inputs: Tensor, using generator: inout RandomGenerator) -> Tensor {
        require(inputs.rank == 4, "RandomCrop: expects [N, C, H, W], got shape \(inputs.shape)")
        require(inputs.dtype == .float32 || fill == 0,
                     "RandomCrop: a non-zero fill needs float32 inputs, got \(inputs.dtype)")
        let (n, inHeight, inWidth) = (inputs.shape[0], inputs.shape[2], inputs.shape[3])
        let paddedHeight = inHeight + 2 * padding, paddedWidth = inWidth + 2 * padding
        require(height <= paddedHeight && width <= paddedWidth,
                     "RandomCrop: crop \(height)×\(width) is larger than the padded image \(paddedHeight)×\(paddedWidth) (input \(inputs.shape), padding \(padding))")
        var offsets = [Int](repeating: 0, count: 2 * n)
        for i in 0..<n {
            offsets[2 * i] = generator.nextInt(below: paddedHeight - height + 1)
            offsets[2 * i + 1] = generator.nextInt(below: paddedWidth - width + 1)
        }
        return crop(inputs, offsets: offsets)
    }

    /// Crops image `i` at `(offsets[2i], offsets[2i+1])` in padded coordinates.
    func crop(_ inputs: Tensor, offsets: [Int]) -> Tensor {
        let source = inputs.contiguous()
        let (n, channels, inHeight, inWidth) = (source.shape[0], source.shape[1], source.shape[2], source.shape[3])
        let out = Tensor(uninitializedShape: [n, channels, height, width], dtype: source.dtype)
        let size = source.dtype.byteSize
        let src = UnsafeRawPointer(source.storage.data + source.offset * size)
        let dst = out.storage.data
        let (height, width, padding, fill) = (self.height, self.width, self.padding, self.fill)
        /// Writes the padding value into `count` elements at `p`.
        func pad(_ p: UnsafeMutableRawPointer, _ count: Int) {
            if count <= 0 { return }
            if fill == 0 {
                memset(p, 0, count * size)
            } else {
                p.assumingMemoryBound(to: Float.self).initialize(repeating: fill, count: count)
            }
        }
        offsets.withUnsafeBufferPointer { offsets in
            let work = n * channels * height * width * size
            Parallel.forChunks(n, minimumChunk: work >= 1 << 20 ? max(1, n * (1 << 18) / work) : n) { images in
                for i in images {
                    let top = offsets[2 * i] - padding, left = offsets[2 * i + 1] - padding
                    // Output columns [x0, x1) come from input columns [x0 + left, x1 + left).
                    let x0 = min(width, max(0, -left)), x1 = max(x0, min(width, inWidth - left))
                    for c in 0..<channels {
                        let plane = (i * channels + c)
                        let inPlane = src + plane * inHeight * inWidth * size
                        let outPlane = dst + plane * height * width * size
                        for y in 0..<height {
                            let row = outPlane + y * width * size
                            let sy = y + top
                            if sy < 0 || sy >= inHeight || x0 == x1 {
                                pad(row, width)
                                continue
                            }
                            pad(row, x0)
                            memcpy(row + x0 * size, inPlane + (sy * inWidth + x0 + left) * size, (x1 - x0) * size)
                            pad(row + x1 * size, width - x1)
                        }
                    }
                }
            }
        }
        return out
    }
}
