import Foundation
import Testing
import Flint
import FlintNN

/// The reference CNN of `bench/peers/bench_cnn.py`, built the same way as in PyTorch.
private func referenceCNN() -> Sequential {
    func block(_ input: Int, _ output: Int) -> [any UnaryLayer] {
        [Conv2d(inputChannels: input, outputChannels: output, kernelSize: 3, padding: 1), BatchNorm2d(features: output), ReLU()]
    }
    return Sequential([
        Sequential(block(3, 64) + [MaxPool2d(kernelSize: 2)] + block(64, 128) + [MaxPool2d(kernelSize: 2)] + block(128, 256)
                   + [AdaptiveAvgPool2d(outputSize: 1)]),
        Sequential([Flatten(), Dropout(probability: 0.5), Linear(inputFeatures: 256, outputFeatures: 128), ReLU(),
                    Dropout(probability: 0.3), Linear(inputFeatures: 128, outputFeatures: 10)]),
    ])
}

private func temporaryURL(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("flintnn-\(UUID().uuidString)-\(name)")
}

@Suite struct ModuleSerializationTests {
    @Test func referenceCNNHasPyTorchStateDictKeys() {
        // The keys and parameter count printed by PyTorch for the same network.
        let model = referenceCNN()
        #expect(model.stateDictEntries().map(\.0) == [
            "0.0.weight", "0.0.bias", "0.1.weight", "0.1.bias", "0.1.running_mean", "0.1.running_var",
            "0.1.num_batches_tracked", "0.4.weight", "0.4.bias", "0.5.weight", "0.5.bias", "0.5.running_mean",
            "0.5.running_var", "0.5.num_batches_tracked", "0.8.weight", "0.8.bias", "0.9.weight", "0.9.bias",
            "0.9.running_mean", "0.9.running_var", "0.9.num_batches_tracked", "1.2.weight", "1.2.bias",
            "1.5.weight", "1.5.bias",
        ])
        #expect(model.parameterCount == 405_898)
    }

    @Test func saveAndLoadRoundTrip() throws {
        let url = temporaryURL("cnn.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let source = referenceCNN()
        // Move the batch-norm statistics off their initial values.
        _ = source(Tensor.full([2, 3, 4, 4], value: 0.5))
        try source.save(to: url, metadata: ["format": "pt"])
        let target = referenceCNN()
        try target.load(from: url)
        let expected = source.stateDictEntries(), loaded = target.stateDictEntries()
        for ((name, a), (_, b)) in zip(expected, loaded) {
            #expect(a.dtype == b.dtype && a.toArray() == b.toArray(), "\(name)")
        }
        source.eval()
        target.eval()
        let x = Tensor((0..<96).map { Float($0 % 7) / 7 }, shape: [2, 3, 4, 4])
        #expect(source(x).toArray() == target(x).toArray())
    }

    @Test func loadingAFileForAnotherNetworkNamesTheFile() throws {
        let url = temporaryURL("small.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Sequential([Linear(inputFeatures: 3, outputFeatures: 2)]).save(to: url)
        let other = Sequential([Linear(inputFeatures: 4, outputFeatures: 2), ReLU(), Linear(inputFeatures: 2, outputFeatures: 1)])
        #expect {
            try other.load(from: url)
        } throws: { error in
            guard let error = error as? StateDictError else { return false }
            return error.target == url.path && error.missingKeys == ["2.weight", "2.bias"]
                && error.shapeMismatches == [.init(key: "0.weight", expected: [2, 4], found: [2, 3])]
        }
        #expect(throws: FlintError.self) {
            try other.load(from: temporaryURL("missing.safetensors"))
        }
    }

    @Test func aTrainingStepReducesTheLoss() throws {
        let model = referenceCNN()
        let x = Tensor((0..<(4 * 3 * 8 * 8)).map { Float(($0 * 37) % 11) / 11 - 0.5 }, shape: [4, 3, 8, 8])
        let y = Tensor(integers: [1, 7, 3, 1])
        let adam = Adam(parameters: model.parameters(), learningRate: 1e-3)
        model.train()
        var losses: [Float] = []
        for _ in 0..<3 {
            adam.zeroGrad()
            let loss = try crossEntropy(logits: model(x), targets: y)
            loss.backward()
            adam.step()
            losses.append(loss.item())
        }
        model.eval()
        let evaluation = try crossEntropy(logits: model(x), targets: y).item()
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(losses[2] < losses[0])
        #expect(evaluation.isFinite)
    }
}
