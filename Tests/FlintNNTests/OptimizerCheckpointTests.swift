import Foundation
import Testing
import Flint
import FlintNN

@Suite struct OptimizerCheckpointTests {
    @Test func adamStateSurvivesASafeTensorsFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flintnn-\(UUID().uuidString)-adam.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let model = Sequential([Linear(inputFeatures: 3, outputFeatures: 4), LayerNorm([4]), Linear(inputFeatures: 4, outputFeatures: 2)])
        let (decayed, notDecayed) = model.parametersSplitForWeightDecay()
        // Weights decay; biases and the LayerNorm scale and shift do not.
        #expect(decayed.map(\.shape) == [[4, 3], [2, 4]])
        #expect(notDecayed.map(\.shape) == [[4], [4], [4], [2]])
        func makeOptimizer(_ model: Module) -> AdamW {
            let (d, n) = model.parametersSplitForWeightDecay()
            return AdamW(groups: [ParameterGroup(d, options: .init(learningRate: 0.01, weightDecay: 0.1)),
                                  ParameterGroup(n, options: .init(learningRate: 0.01, weightDecay: 0))])
        }
        let x = Tensor([0.5, -1, 2, 1, 0, -0.5], shape: [2, 3])
        let y = Tensor(integers: [1, 0])
        func trainStep(_ model: any UnaryLayer, _ optimizer: AdamW) throws {
            optimizer.zeroGrad()
            try crossEntropy(logits: model(x), targets: y).backward()
            optimizer.step()
        }
        let optimizer = makeOptimizer(model)
        try trainStep(model, optimizer)
        try trainStep(model, optimizer)
        optimizer.learningRate = 0.005
        try SafeTensors.save(optimizer.stateDict(), to: url)

        let restored = Sequential([Linear(inputFeatures: 3, outputFeatures: 4), LayerNorm([4]), Linear(inputFeatures: 4, outputFeatures: 2)])
        try restored.loadStateDict(model.stateDict())
        let restoredOptimizer = makeOptimizer(restored)
        try restoredOptimizer.loadStateDict(try SafeTensorsFile(contentsOf: url).loadAll())
        #expect(restoredOptimizer.learningRate == 0.005)
        #expect(restoredOptimizer.groups[1].options.learningRate == 0.005)
        try trainStep(model, optimizer)
        try trainStep(restored, restoredOptimizer)
        for ((name, a), (_, b)) in zip(model.namedParameters(), restored.namedParameters()) {
            #expect(a.toArray() == b.toArray(), "\(name)")
        }
    }
}
