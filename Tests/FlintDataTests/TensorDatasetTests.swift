import Testing
import Flint
@testable import FlintData

/// A dataset whose example `i` is a `[channels, 2, 3]` image filled with `i·100 + position` and
/// label `i`, so a batch reveals which examples it holds.
func indexedDataset(count: Int, channels: Int = 1, transform: (any BatchTransform)? = nil) -> TensorDataset {
    let perImage = channels * 6
    var values = [Float](repeating: 0, count: count * perImage)
    for i in 0..<count {
        for j in 0..<perImage { values[i * perImage + j] = Float(i * 100 + j) }
    }
    return TensorDataset(images: Tensor(values, shape: [count, channels, 2, 3]),
                         labels: Tensor(integers: Array(0..<count)), transform: transform)
}

/// Adds a random constant (from the generator) to the whole batch: observes generator use.
struct AddRandomOffset: BatchTransform {
    func apply(to inputs: Tensor, using generator: inout RandomGenerator) -> Tensor {
        inputs + Float(generator.nextInt(below: 1000)) * 1000_000
    }
}

@Suite struct TensorDatasetTests {
    @Test func batchGathersRowsInOrder() {
        let dataset = indexedDataset(count: 5)
        #expect(dataset.count == 5 && dataset.sampleShape == [1, 2, 3])
        let batch = dataset.batch(indices: [3, 0, 3, 4])
        #expect(batch.inputs.shape == [4, 1, 2, 3] && batch.labels.shape == [4] && batch.labels.dtype == .int64)
        #expect(batch.labels.toIntArray() == [3, 0, 3, 4])
        let expected = [3, 0, 3, 4].flatMap { i in (0..<6).map { Float(i * 100 + $0) } }
        #expect(batch.inputs.toArray() == expected)
        #expect(batch.count == 4)
        // The batch is a copy: writing to it leaves the dataset alone.
        batch.inputs.floatPointer[0] = -1
        #expect(dataset.images.toArray()[18] == 300)
        #expect(dataset.batch(indices: []).inputs.shape == [0, 1, 2, 3])
    }

    @Test func elementIsAViewOfOneExample() {
        let dataset = indexedDataset(count: 4, channels: 2)
        let (image, label) = dataset.element(at: 2)
        #expect(label == 2 && image.shape == [2, 2, 3])
        #expect(image.toArray() == (0..<12).map { Float(200 + $0) })
    }

    @Test func nonContiguousImagesAreMadeContiguous() {
        // [3, 2] transposed to [2, 3] rows: row i of the dataset is column i of the original.
        let base = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2])
        let dataset = TensorDataset(images: base.transposed(), labels: Tensor(integers: [7, 8]))
        #expect(dataset.batch(indices: [1, 0]).inputs.toArray() == [2, 4, 6, 1, 3, 5])
    }

    /// Large gathers are split across threads; the result must not change.
    @Test func largeGatherMatchesSmallGathers() {
        let count = 400, width = 1024
        let values = (0..<(count * width)).map { Float($0 % 9973) }
        let dataset = TensorDataset(images: Tensor(values, shape: [count, width]), labels: Tensor(integers: Array(0..<count)))
        var generator = RandomGenerator(seed: 5)
        let indices = (0..<300).map { _ in generator.nextInt(below: count) }
        let whole = dataset.batch(indices: indices).inputs.toArray()
        for (k, i) in indices.enumerated() {
            #expect(Array(whole[(k * width)..<((k + 1) * width)]) == Array(values[(i * width)..<((i + 1) * width)]))
        }
    }

    @Test func transformIsAppliedToBatchesOnly() {
        let dataset = indexedDataset(count: 3, transform: Normalize(mean: [100], std: [2]))
        var generator = RandomGenerator(seed: 0)
        let batch = dataset.batch(indices: [1], using: &generator)
        #expect(batch.inputs.toArray() == [0, 0.5, 1, 1.5, 2, 2.5])
        #expect(dataset.gather(indices: [1]).inputs.toArray() == [100, 101, 102, 103, 104, 105])
        #expect(dataset.element(at: 1).image.toArray() == [100, 101, 102, 103, 104, 105])
        #expect(dataset.withTransform(nil).batch(indices: [1]).inputs.toArray() == [100, 101, 102, 103, 104, 105])
    }

    @Test func randomTransformFollowsTheGenerator() {
        let dataset = indexedDataset(count: 3, transform: AddRandomOffset())
        var a = RandomGenerator(seed: 11), b = RandomGenerator(seed: 11), c = RandomGenerator(seed: 12)
        let first = dataset.batch(indices: [0, 2], using: &a).inputs.toArray()
        #expect(first == dataset.batch(indices: [0, 2], using: &b).inputs.toArray())
        #expect(first != dataset.batch(indices: [0, 2], using: &c).inputs.toArray())
    }

    /// Without a generator, batches follow the process-wide default one (reseeded by manualSeed);
    /// a transform may itself use the default generator without deadlocking.
    @Test func defaultGeneratorDrivesTransformsWithoutLocking() {
        struct UsesDefaultGenerator: BatchTransform {
            func apply(to inputs: Tensor, using generator: inout RandomGenerator) -> Tensor {
                inputs + Float(RandomGenerator.withDefault { $0.nextInt(below: 10) })
            }
        }
        let dataset = indexedDataset(count: 3, transform: ComposedTransform([AddRandomOffset(), UsesDefaultGenerator()]))
        let result = dataset.batch(indices: [2]).inputs
        #expect(result.shape == [1, 1, 2, 3])
        #expect(result.toArray()[0] >= 200)
    }

    @Test func subsetCopiesChosenExamples() {
        let subset = indexedDataset(count: 6).subset(indices: [5, 1])
        #expect(subset.count == 2 && subset.labels.toIntArray() == [5, 1])
        #expect(subset.element(at: 1).image.toArray() == (0..<6).map { Float(100 + $0) })
    }
}
