import Foundation
import Testing
import Flint
import FlintNN

/// The README's quick start, compiled and run, so the front door stays true to the code.
@Suite struct ReadmeExampleTests {
    @Test func quickStartRuns() throws {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).requiringGrad()
        let w = Tensor.normal([3, 2]).requiringGrad()
        let loss = x.matmul(w).relu().sum()
        loss.backward()
        #expect(w.grad?.shape == [3, 2])
        let inference = withNoGrad { x.matmul(w) }
        #expect(!inference.requiresGrad)

        let model = Sequential([Linear(inputFeatures: 3, outputFeatures: 16), ReLU(),
                                Linear(inputFeatures: 16, outputFeatures: 4)])
        let optimizer = Adam(parameters: model.parameters(), learningRate: 1e-3)
        let logits = model(x)
        let ce = try crossEntropy(logits: logits, targets: Tensor(integers: [1, 3]))
        optimizer.zeroGrad(); ce.backward(); optimizer.step()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        #expect(try SafeTensorsFile(contentsOf: url).names == ["0.bias", "0.weight", "2.bias", "2.weight"])
    }
}
