import Testing
import Flint
@testable import FlintData

@Suite struct AugmentationTests {
    /// One 3 × 3 image holding 1 … 9.
    let square = Tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], shape: [1, 1, 3, 3])

    @Test func cropAtHandPickedOffsets() {
        let crop = RandomCrop(size: 3, padding: 1)
        // Offsets are in padded coordinates: (1, 1) is the original image.
        #expect(crop.crop(square, offsets: [1, 1]).toArray() == [1, 2, 3, 4, 5, 6, 7, 8, 9])
        #expect(crop.crop(square, offsets: [0, 0]).toArray() == [0, 0, 0, 0, 1, 2, 0, 4, 5])
        #expect(crop.crop(square, offsets: [2, 2]).toArray() == [5, 6, 0, 8, 9, 0, 0, 0, 0])
        #expect(crop.crop(square, offsets: [0, 2]).toArray() == [0, 0, 0, 2, 3, 0, 5, 6, 0])
        let filled = RandomCrop(size: 2, padding: 2, fill: -1)
        #expect(filled.crop(square, offsets: [1, 3]).toArray() == [-1, -1, 2, 3])
        #expect(filled.crop(square, offsets: [0, 0]).toArray() == [-1, -1, -1, -1])
        // A non-square crop without padding.
        let band = RandomCrop(height: 1, width: 2)
        #expect(band.crop(square, offsets: [2, 1]).toArray() == [8, 9])
    }

    @Test func randomCropShapesAndWindows() {
        // 200 copies of the square with two channels (the second is the first + 100).
        let base = square.toArray()
        let image = base + base.map { $0 + 100 }
        let batch = Tensor((0..<200).flatMap { _ in image }, shape: [200, 2, 3, 3])
        var generator = RandomGenerator(seed: 1)
        let out = RandomCrop(size: 3, padding: 1).apply(to: batch, using: &generator)
        #expect(out.shape == [200, 2, 3, 3])
        let values = out.toArray()
        var windows = Set<[Float]>()
        let crop = RandomCrop(size: 3, padding: 1)
        let all = (0..<3).flatMap { top in (0..<3).map { left in crop.crop(square, offsets: [top, left]).toArray() } }
        for n in 0..<200 {
            let first = Array(values[(n * 18)..<(n * 18 + 9)]), second = Array(values[(n * 18 + 9)..<(n * 18 + 18)])
            #expect(all.contains(first))
            // Both channels use the same window (pixels are non-zero, so zeros are padding).
            #expect(second == first.map { $0 == 0 ? 0 : $0 + 100 })
            windows.insert(first)
        }
        // All nine windows occur.
        #expect(windows.count == 9)
        // Same seed, same crops.
        var again = RandomGenerator(seed: 1)
        #expect(RandomCrop(size: 3, padding: 1).apply(to: batch, using: &again).toArray() == values)
        // Cropping 28 × 28 images to 24 × 24 and back up with padding.
        var g = RandomGenerator(seed: 2)
        #expect(RandomCrop(size: 24).apply(to: Tensor.zeros([5, 1, 28, 28]), using: &g).shape == [5, 1, 24, 24])
        #expect(RandomCrop(size: 28, padding: 4).apply(to: Tensor.zeros([5, 3, 28, 28]), using: &g).shape == [5, 3, 28, 28])
    }

    @Test func flipMirrorsRows() {
        let image = Tensor((0..<12).map(Float.init), shape: [1, 2, 2, 3])
        var generator = RandomGenerator(seed: 0)
        let flipped = RandomHorizontalFlip(probability: 1).apply(to: image, using: &generator)
        #expect(flipped.shape == [1, 2, 2, 3])
        #expect(flipped.toArray() == [2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9])
        #expect(RandomHorizontalFlip(probability: 0).apply(to: image, using: &generator).toArray() == image.toArray())
        // Chosen flips, including on integer data.
        let pair = Tensor(integers: [1, 2, 3, 4], shape: [2, 1, 1, 2])
        #expect(RandomHorizontalFlip().flip(pair, where: [false, true]).toIntArray() == [1, 2, 4, 3])
    }

    @Test func flipHitsAboutHalfTheImages() {
        let n = 400
        let batch = Tensor((0..<(n * 4)).map(Float.init), shape: [n, 1, 2, 2])
        var generator = RandomGenerator(seed: 8)
        let out = RandomHorizontalFlip(probability: 0.5).apply(to: batch, using: &generator).toArray()
        var flipped = 0
        for i in 0..<n {
            let b = Float(i * 4)
            let row = Array(out[(i * 4)..<(i * 4 + 4)])
            if row == [b + 1, b, b + 3, b + 2] {
                flipped += 1
            } else {
                #expect(row == [b, b + 1, b + 2, b + 3])
            }
        }
        // Binomial(400, 0.5): mean 200, standard deviation 10.
        #expect(flipped > 150 && flipped < 250, "\(flipped) flipped")
        var again = RandomGenerator(seed: 8)
        #expect(RandomHorizontalFlip(probability: 0.5).apply(to: batch, using: &again).toArray() == out)
    }

    @Test func normalizePerChannel() {
        // Two channels of 11 values (one SIMD block plus a tail), two images.
        let values = (0..<44).map { Float($0) }
        let x = Tensor(values, shape: [2, 2, 11])
        let out = Normalize(mean: [1, 2], std: [2, 4]).apply(to: x).toArray()
        for i in 0..<44 {
            let channel = (i / 11) % 2
            let expected = channel == 0 ? (values[i] - 1) / 2 : (values[i] - 2) / 4
            #expect(abs(out[i] - expected) < 1e-6, "element \(i)")
        }
        // One statistic for every channel; transposed input is read by value.
        let shared = Normalize(mean: [3], std: [0.5]).apply(to: Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2]).transposed())
        #expect(shared.toArray() == [-4, 0, 4, -2, 2, 6])
    }

    @Test func composedTransformsRunInOrder() {
        var generator = RandomGenerator(seed: 0)
        let composed = ComposedTransform([Normalize(mean: [1], std: [2]), RandomHorizontalFlip(probability: 1)])
        let out = composed.apply(to: Tensor([1, 3, 5, 7], shape: [1, 1, 1, 4]), using: &generator)
        #expect(out.toArray() == [3, 2, 1, 0])
    }
}
