import Testing
import Flint
import FlintTestSupport

@Suite struct SlicingTests {
    /// [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    func grid() -> Tensor { Tensor.arange(0, 12).reshaped([3, 4]) }

    @Test func narrowIsAViewWithTheRightValues() {
        let x = grid()
        let y = x.narrow(axis: 1, start: 1, length: 2)
        #expect(y.shape == [3, 2])
        #expect(y.toArray() == [1, 2, 5, 6, 9, 10])
        #expect(y.storage === x.storage)
        #expect(x.narrow(axis: 0, start: -1, length: 1).toArray() == [8, 9, 10, 11])
        #expect(x.narrow(axis: -1, start: 4, length: 0).shape == [3, 0])
        // Writing through the view changes the base tensor.
        y.copy(from: Tensor.zeros([3, 2]))
        #expect(x.toArray() == [0, 0, 0, 3, 4, 0, 0, 7, 8, 0, 0, 11])
    }

    @Test func sliceFollowsPythonRules() {
        let x = Tensor.arange(0, 10)
        #expect(x.slice(axis: 0, start: 1, end: 8, step: 3).toArray() == [1, 4, 7])
        #expect(x.slice(axis: 0, start: -3).toArray() == [7, 8, 9])
        #expect(x.slice(axis: 0, start: 2, end: -5).toArray() == [2, 3, 4])
        #expect(x.slice(axis: 0, start: -100, end: 100, step: 4).toArray() == [0, 4, 8])
        #expect(x.slice(axis: 0, start: 5, end: 2).shape == [0])
        #expect(x.slice(axis: 0, start: 12).shape == [0])
        let g = grid()
        let s = g.slice(axis: 1, start: 0, end: 4, step: 2)
        #expect(s.shape == [3, 2] && s.strides == [4, 2])
        #expect(s.toArray() == [0, 2, 4, 6, 8, 10])
    }

    @Test func selectAndSubscripts() {
        let x = grid()
        let column = x.select(axis: 1, index: -1)
        #expect(column.shape == [3])
        #expect(column.toArray() == [3, 7, 11])
        #expect(x[1].toArray() == [4, 5, 6, 7])
        #expect(x[-1].toArray() == [8, 9, 10, 11])
        #expect(x[1][2].item() == 6)
        #expect(x[1..<3].shape == [2, 4])
        #expect(x[1..<3].toArray() == Array(4..<12).map(Float.init))
        #expect(x[...0].toArray() == [0, 1, 2, 3])
        #expect(x[2...].toArray() == [8, 9, 10, 11])
        #expect(x[..<0].shape == [0, 4])
    }

    @Test func slicesOfTransposedViews() {
        let t = grid().transposed()  // [4, 3]: [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]
        #expect(!t.isContiguous)
        #expect(t.narrow(axis: 0, start: 1, length: 2).toArray() == [1, 5, 9, 2, 6, 10])
        #expect(t.slice(axis: 1, start: 0, end: 3, step: 2).toArray() == [0, 8, 1, 9, 2, 10, 3, 11])
        #expect(t[3].toArray() == [3, 7, 11])
        #expect(t.select(axis: 1, index: 1).toArray() == [4, 5, 6, 7])
    }

    @Test func backwardScattersIntoZeros() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).requiringGrad()
        let y = x.slice(axis: 1, start: 0, end: 3, step: 2) * Tensor([10, 20], shape: [1, 2])
        y.sum().backward()
        #expect(x.grad?.toArray() == [10, 0, 20, 10, 0, 20])
        let z = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).requiringGrad()
        (z[1] * 2).sum().backward()
        #expect(z.grad?.toArray() == [0, 0, 0, 2, 2, 2])
        #expect(z.grad?.shape == [2, 3])
    }

    @Test func gradients() {
        let x = GradientCheck.random([4, 5, 3], seed: 11)
        #expect(GradientCheck.maxError([x]) { $0[0].narrow(axis: 1, start: 1, length: 3) } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0].slice(axis: 1, start: -4, end: 5, step: 2) } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0].select(axis: 2, index: 1) } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0][2] } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0][1..<3] } < 1e-3)
        // Non-contiguous input, and a slice used twice (gradients accumulate).
        #expect(GradientCheck.maxError([x]) { v in
            let t = v[0].transposed(0, 2)  // [3, 5, 4]
            return t.slice(axis: 2, start: 1, end: 4, step: 2) + t.narrow(axis: 2, start: 0, length: 2)
        } < 1e-3)
    }
}
