import Testing
import Flint
import FlintNN
import FlintTestSupport

@Suite struct EmbeddingLayerTests {
    @Test func looksUpRowsAndAccumulatesGradients() {
        let layer = Embedding(count: 5, dimensions: 3)
        #expect(layer.namedParameters().map(\.0) == ["weight"])
        let indices = Tensor(integers: [4, 0, 4, 2], shape: [2, 2])
        let y = layer(indices)
        #expect(y.shape == [2, 2, 3])
        let w = layer.weight.toArray()
        #expect(Array(y.toArray()[0..<3]) == Array(w[12..<15]))
        #expect(Array(y.toArray()[3..<6]) == Array(w[0..<3]))
        y.sum().backward()
        // Row 4 was used twice, rows 0 and 2 once, rows 1 and 3 never.
        #expect(layer.weight.grad!.toArray() == [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2])
    }

    @Test func defaultInitialisationIsStandardNormal() {
        let v = Embedding(count: 100, dimensions: 100).weight.toArray()
        let mean = v.reduce(0, +) / Float(v.count)
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(v.count)
        #expect(abs(mean) < 0.05 && abs(variance - 1) < 0.05)
    }
}
