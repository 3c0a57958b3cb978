import Testing
import Flint
import FlintTestSupport

@Suite struct JoiningTests {
    @Test func concatenateValues() {
        let a = Tensor([1, 2, 3, 4], shape: [2, 2])
        let b = Tensor([5, 6], shape: [1, 2])
        let rows = Tensor.concatenate([a, b], axis: 0)
        #expect(rows.shape == [3, 2])
        #expect(rows.toArray() == [1, 2, 3, 4, 5, 6])
        let c = Tensor([7, 8, 9, 10, 11, 12], shape: [2, 3])
        let columns = Tensor.concatenate([a, c], axis: -1)
        #expect(columns.shape == [2, 5])
        #expect(columns.toArray() == [1, 2, 7, 8, 9, 3, 4, 10, 11, 12])
        // A transposed (non-contiguous) input and an empty one.
        let t = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2]).transposed()  // [[1, 3, 5], [2, 4, 6]]
        let mixed = Tensor.concatenate([t, Tensor.zeros([2, 0]), a], axis: 1)
        #expect(mixed.toArray() == [1, 3, 5, 1, 2, 2, 4, 6, 3, 4])
        // Integer tensors.
        let i = Tensor.concatenate([Tensor(integers: [1, 2]), Tensor(integers: [1 << 40])], axis: 0)
        #expect(i.dtype == .int64 && i.toIntArray() == [1, 2, 1 << 40])
    }

    @Test func concatenateLargeUsesEveryRow() {
        // Big enough for the parallel row copy.
        let a = Tensor.arange(0, 600 * 1000).reshaped([600, 1000])
        let b = Tensor.arange(0, 600 * 500).reshaped([600, 500]) * -1
        let out = Tensor.concatenate([a, b], axis: 1)
        #expect(out.shape == [600, 1500])
        #expect(out.narrow(axis: 1, start: 0, length: 1000).toArray() == a.toArray())
        #expect(out.narrow(axis: 1, start: 1000, length: 500).toArray() == b.toArray())
        let rows = Tensor.concatenate([a, a], axis: 0)
        #expect(rows[600..<1200].toArray() == a.toArray())
    }

    @Test func stackValues() {
        let a = Tensor([1, 2, 3]), b = Tensor([4, 5, 6])
        let s0 = Tensor.stack([a, b])
        #expect(s0.shape == [2, 3] && s0.toArray() == [1, 2, 3, 4, 5, 6])
        let s1 = Tensor.stack([a, b], axis: 1)
        #expect(s1.shape == [3, 2] && s1.toArray() == [1, 4, 2, 5, 3, 6])
        let last = Tensor.stack([a, b], axis: -1)
        #expect(last.shape == [3, 2] && last.toArray() == s1.toArray())
        let scalars = Tensor.stack([Tensor(1), Tensor(2)])
        #expect(scalars.shape == [2] && scalars.toArray() == [1, 2])
    }

    @Test func splitAndChunkFollowTorch() {
        let x = Tensor.arange(0, 5)
        #expect(x.split(size: 2).map { $0.toArray() } == [[0, 1], [2, 3], [4]])
        #expect(x.split(sizes: [1, 0, 4]).map(\.shape) == [[1], [0], [4]])
        #expect(x.chunk(3).map { $0.toArray() } == [[0, 1], [2, 3], [4]])
        #expect(Tensor.arange(0, 6).chunk(4).map(\.shape) == [[2], [2], [2]])
        #expect(Tensor.zeros([0, 2]).chunk(3).map(\.shape) == [[0, 2], [0, 2], [0, 2]])
        let g = Tensor.arange(0, 12).reshaped([3, 4])
        let pieces = g.split(sizes: [3, 1], axis: 1)
        #expect(pieces[0].toArray() == [0, 1, 2, 4, 5, 6, 8, 9, 10])
        #expect(pieces[1].toArray() == [3, 7, 11])
        #expect(pieces[1].storage === g.storage)
        #expect(g.transposed().chunk(2, axis: 1).map { $0.toArray() } == [[0, 4, 1, 5, 2, 6, 3, 7], [8, 9, 10, 11]])
    }

    @Test func gradients() {
        let a = GradientCheck.random([2, 3], seed: 21)
        let b = GradientCheck.random([3, 2], seed: 22)
        let c = GradientCheck.random([2, 1], seed: 23)
        #expect(GradientCheck.maxError([a, b, c]) { v in
            Tensor.concatenate([v[0], v[1].transposed(), v[2]], axis: 1)
        } < 1e-3)
        #expect(GradientCheck.maxError([a, b]) { v in
            Tensor.concatenate([v[0], v[1].reshaped([2, 3]), v[0]], axis: 0)
        } < 1e-3)
        #expect(GradientCheck.maxError([a, b]) { v in
            Tensor.stack([v[0], v[1].transposed(), v[0] * 2], axis: 1)
        } < 1e-3)
        let x = GradientCheck.random([5, 4], seed: 24)
        #expect(GradientCheck.maxError([x]) { v in
            let p = v[0].split(sizes: [2, 3], axis: 0)
            return Tensor.concatenate([p[1] * 3, p[0]], axis: 0)
        } < 1e-3)
        #expect(GradientCheck.maxError([x]) { v in
            let p = v[0].chunk(3, axis: 1)  // sizes 2, 2
            return p[0] * p[1]
        } < 1e-3)
        #expect(GradientCheck.maxError([x]) { v in
            let p = v[0].split(size: 2, axis: 0)  // sizes 2, 2, 1
            return Tensor.concatenate([p[2], p[0]], axis: 0)
        } < 1e-3)
    }
}
