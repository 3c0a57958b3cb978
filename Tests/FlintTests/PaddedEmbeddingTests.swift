import Testing
import Flint
import FlintTestSupport

@Suite struct PaddedEmbeddingTests {
    @Test func forwardIsTheLookupAndThePaddingRowGetsNoGradient() {
        let weight = GradientCheck.random([5, 3], seed: 11)
        let indices = Tensor(integers: [4, 0, 4, 2, 0, 1], shape: [2, 3])
        let padded = Tensor.embedding(indices, weight: weight, paddingIndex: 0)
        #expect(padded.shape == [2, 3, 3])
        // The padding row is returned as stored (PyTorch does not zero it in the forward pass).
        #expect(padded.toArray() == Tensor.embedding(indices, weight: weight).toArray())
        let upstream = GradientCheck.random([2, 3, 3], seed: 5, requiresGrad: false)
        (padded * upstream).sum().backward()
        let g = weight.grad!.toArray()
        let u = upstream.toArray()
        // Row 4: positions 0 and 2; row 2: position 3; row 1: position 5; rows 0 (padding) and 3: zero.
        func row(_ p: Int) -> [Float] { Array(u[(p * 3)..<(p * 3 + 3)]) }
        #expect(Array(g[0..<3]) == [0, 0, 0])
        #expect(GradientCheck.allClose(Array(g[3..<6]), row(5)))
        #expect(GradientCheck.allClose(Array(g[6..<9]), row(3)))
        #expect(Array(g[9..<12]) == [0, 0, 0])
        #expect(GradientCheck.allClose(Array(g[12..<15]), zip(row(0), row(2)).map { $0 + $1 }))
    }

    @Test func nilPaddingIndexIsThePlainLookup() {
        let weight = GradientCheck.random([4, 2], seed: 2)
        let indices = Tensor(integers: [0, 0, 3])
        Tensor.embedding(indices, weight: weight, paddingIndex: nil).sum().backward()
        #expect(weight.grad!.toArray() == [2, 2, 0, 0, 0, 0, 1, 1])
    }
}
