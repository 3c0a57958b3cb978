import Testing
import Flint
import FlintTestSupport

@Suite struct ComparisonTests {
    @Test func broadcastComparisonsReturnBool() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor([2, 5, 3])
        let g = a.greater(b)
        #expect(g.dtype == .bool && g.shape == [2, 3])
        #expect(g.toIntArray() == [0, 0, 0, 1, 0, 1])
        #expect(a.greaterEqual(b).toIntArray() == [0, 0, 1, 1, 1, 1])
        #expect(a.less(b).toIntArray() == [1, 1, 0, 0, 0, 0])
        #expect(a.lessEqual(b).toIntArray() == [1, 1, 1, 0, 1, 0])
        #expect(a.equal(b).toIntArray() == [0, 0, 1, 0, 1, 0])
        #expect(a.notEqual(b).toIntArray() == [1, 1, 0, 1, 0, 1])
        // Column broadcast on the other side, and bytes really are 0/1.
        let column = Tensor([2, 5], shape: [2, 1])
        #expect(column.less(a).toIntArray() == [0, 0, 1, 0, 0, 1])
        let bytes = g.pointer(as: UInt8.self)
        #expect((0..<6).map { bytes[$0] } == [0, 0, 0, 1, 0, 1])
    }

    @Test func scalarComparisonsAndNaN() {
        let x = Tensor([-1, 0, 0.5, .nan])
        #expect(x.greater(0).toIntArray() == [0, 0, 1, 0])
        #expect(x.greaterEqual(0).toIntArray() == [0, 1, 1, 0])
        #expect(x.less(0.5).toIntArray() == [1, 1, 0, 0])
        #expect(x.lessEqual(0.5).toIntArray() == [1, 1, 1, 0])
        #expect(x.equal(0.5).toIntArray() == [0, 0, 1, 0])
        #expect(x.notEqual(0.5).toIntArray() == [1, 1, 0, 1])
        #expect(x.notEqual(x).toIntArray() == [0, 0, 0, 1])
    }

    @Test func integerComparisons() {
        let labels = Tensor(integers: [1, 1, 2, 0])
        let logits = Tensor([0.1, 0.9, 0, 2, 1, 0, 0, 0, 5, 3, 1, 2], shape: [4, 3])
        let predictions = logits.argmax(axis: 1)
        #expect(predictions.dtype == .int64 && predictions.toIntArray() == [1, 0, 2, 0])
        let correct = predictions.equal(labels)
        #expect(correct.toIntArray() == [1, 0, 1, 1])
        #expect(correct.to(.float32).mean().item() == 0.75)
        // Exact integer comparison beyond float32's 2^24.
        let big = Tensor(integers: [16_777_217, 16_777_216])
        #expect(big.equal(Tensor(integers: [16_777_216, 16_777_216])).toIntArray() == [0, 1])
        // int32 against int64, integers against numbers, integers against floats.
        let small = Tensor(integers: [1, 2, 3], dtype: .int32)
        #expect(small.equal(Tensor(integers: [1, 5, 3])).toIntArray() == [1, 0, 1])
        #expect(small.greater(1.5).toIntArray() == [0, 1, 1])
        #expect(small.equal(2).toIntArray() == [0, 1, 0])
        #expect(labels.lessEqual(Tensor([1.5])).toIntArray() == [1, 1, 0, 1])
        #expect(labels.greater(Tensor(integers: [0, 1], shape: [2, 1])).toIntArray() == [1, 1, 1, 0, 0, 0, 1, 0])
    }

    @Test func nonContiguousOperands() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).transposed()  // [[1,4],[2,5],[3,6]]
        let b = Tensor([3, 3, 3, 3, 3, 3], shape: [3, 2])
        #expect(a.greater(b).toIntArray() == [0, 1, 0, 1, 0, 1])
        #expect(a.equal(a.transposed().transposed()).toIntArray() == [1, 1, 1, 1, 1, 1])
    }

    @Test func logicalOperations() {
        let p = Tensor([1, 1, 0, 0]).greater(0.5), q = Tensor([1, 0, 1, 0]).greater(0.5)
        #expect(p.logicalAnd(q).toIntArray() == [1, 0, 0, 0])
        #expect(p.logicalOr(q).toIntArray() == [1, 1, 1, 0])
        #expect(p.logicalNot().toIntArray() == [0, 0, 1, 1])
        #expect(p.logicalNot().dtype == .bool)
    }

    @Test func whereValuesWithBroadcasting() {
        let condition = Tensor([1, 0, 1]).greater(0)
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor([-1, -2], shape: [2, 1])
        let picked = Tensor.where(condition, a, b)
        #expect(picked.shape == [2, 3])
        #expect(picked.toArray() == [1, -1, 3, 4, -2, 6])
        #expect(Tensor.where(condition, a, 0).toArray() == [1, 0, 3, 4, 0, 6])
        #expect(Tensor.where(condition, 9, a).toArray() == [9, 2, 9, 9, 5, 9])
        // Integer operands and a transposed (non-contiguous) operand.
        let ints = Tensor.where(condition, Tensor(integers: [7, 8, 9]), Tensor(integers: [0, 0, 0]))
        #expect(ints.dtype == .int64 && ints.toIntArray() == [7, 0, 9])
        let t = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2]).transposed()  // [[1,3,5],[2,4,6]]
        #expect(Tensor.where(condition, t, 0).toArray() == [1, 0, 5, 2, 0, 6])
    }

    @Test func whereGradients() {
        let condition = Tensor([1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1], shape: [3, 4]).greater(0.5)
        let a = GradientCheck.random([3, 4], seed: 21)
        let b = GradientCheck.random([4], seed: 22)
        #expect(GradientCheck.maxError([a, b]) { Tensor.where(condition, $0[0], $0[1]) } < 1e-3)
        #expect(GradientCheck.maxError([a, b]) { Tensor.where(condition, $0[1] * $0[1], $0[0].exp()) } < 1e-2)
        #expect(GradientCheck.maxError([a]) { Tensor.where(condition.transposed(), $0[0].transposed(), 0) } < 1e-3)
        // Exact routing of the gradient.
        let x = Tensor([1, 2, 3]).requiringGrad(), y = Tensor(5).requiringGrad()
        Tensor.where(Tensor([1, 0, 1]).greater(0), x, y).sum().backward()
        #expect(x.grad?.toArray() == [1, 0, 1])
        #expect(y.grad?.toArray() == [1])
    }
}
