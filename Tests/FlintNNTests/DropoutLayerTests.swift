import Testing
import Flint
import FlintNN
import FlintTestSupport

@Suite struct DropoutLayerTests {
    @Test func identityInEvaluationAndScaledMaskInTraining() {
        let layer = Dropout(probability: 0.25)
        let x = Tensor.ones([4000])
        layer.eval()
        #expect(layer(x).toArray() == x.toArray())
        layer.train()
        let y = layer(x).toArray()
        // Survivors are scaled by 1/(1 − 0.25).
        #expect(y.allSatisfy { $0 == 0 || abs($0 - 4.0 / 3.0) < 1e-6 })
        let dropped = Float(y.filter { $0 == 0 }.count) / Float(y.count)
        #expect(abs(dropped - 0.25) < 0.04)
        #expect(Dropout(probability: 0)(x).toArray() == x.toArray())
        #expect(Dropout().probability == 0.5)
    }
}
