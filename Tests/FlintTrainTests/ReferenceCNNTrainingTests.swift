import Foundation
import Testing
import Flint
import FlintNN
import FlintData
import FlintModels
@testable import FlintTrain

@Suite struct ReferenceCNNTrainingTests {
    /// A small slice of real Fashion-MNIST (installed by `make test`'s setup).
    static func slices() throws -> (TensorDataset, TensorDataset) {
        let train = try FashionMNIST.load(split: .train).subset(indices: Array(0..<640))
        let test = try FashionMNIST.load(split: .test).subset(indices: Array(0..<200))
        return (train, test)
    }

    static func run(seed: UInt64) throws -> ClassifierTrainingResult {
        let (train, test) = try slices()
        RandomGenerator.manualSeed(seed)
        let model = ReferenceCNN(inputChannels: 1, classes: 10)
        let configuration = ClassifierTrainingConfiguration(epochs: 1, batchSize: 32, learningRate: 2e-3, seed: seed,
                                                            logInterval: 10, evaluationBatchSize: 100)
        let trainer = ClassifierTrainer(model: model, trainSet: train, testSet: test, configuration: configuration,
                                        output: { _ in })
        return try trainer.fit()
    }

    @Test func lossFallsAndSeedReproduces() throws {
        let first = try Self.run(seed: 7)
        #expect(first.batchLosses.count == 20)
        let early = first.batchLosses.prefix(4).reduce(0, +) / 4
        let late = first.batchLosses.suffix(4).reduce(0, +) / 4
        #expect(early > 1.8, "an untrained 10-class model starts near ln 10 ≈ 2.30, got \(early)")
        #expect(late < early - 0.5, "loss should fall: first batches \(early), last batches \(late)")
        #expect(first.bestTestAccuracy > 0.5, "20 steps on real images should beat chance clearly, got \(first.bestTestAccuracy)")
        let second = try Self.run(seed: 7)
        #expect(second.batchLosses == first.batchLosses, "the same seed must give the same losses")
    }

    @Test func parameterNamesMatchPyTorch() {
        let model = ReferenceCNN(inputChannels: 3)
        let names = model.stateDict().keys.sorted()
        #expect(names.contains("features.0.weight"))
        #expect(names.contains("features.1.running_mean"))
        #expect(names.contains("features.1.num_batches_tracked"))
        #expect(names.contains("classifier.5.bias"))
        #expect(model.parameterCount == 1_792 + 128 + 73_856 + 256 + 295_168 + 512 + 32_896 + 1_290)
    }
}
