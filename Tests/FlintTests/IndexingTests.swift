import Testing
import Flint
import FlintTestSupport

@Suite struct IndexingTests {
    /// [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    func grid() -> Tensor { Tensor.arange(0, 12).reshaped([3, 4]) }

    @Test func indexSelectValues() {
        let x = grid()
        let rows = x.indexSelect(axis: 0, indices: Tensor(integers: [2, 0, 2]))
        #expect(rows.shape == [3, 4])
        #expect(rows.toArray() == [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
        let columns = x.indexSelect(axis: 1, indices: Tensor(integers: [3, 1], dtype: .int32))
        #expect(columns.shape == [3, 2])
        #expect(columns.toArray() == [3, 1, 7, 5, 11, 9])
        let transposed = x.transposed().indexSelect(axis: 1, indices: Tensor(integers: [1]))
        #expect(transposed.toArray() == [4, 5, 6, 7])
        let scalarIndex = x.indexSelect(axis: 0, indices: Tensor(integers: [1], shape: []))
        #expect(scalarIndex.shape == [1, 4])
        let empty = x.indexSelect(axis: 0, indices: Tensor(integers: []))
        #expect(empty.shape == [0, 4])
        let ints = Tensor(integers: [10, 20, 30]).indexSelect(axis: 0, indices: Tensor(integers: [2, 2]))
        #expect(ints.dtype == .int64 && ints.toIntArray() == [30, 30])
    }

    @Test func indexSelectBackwardAddsRepeatedRows() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2]).requiringGrad()
        x.indexSelect(axis: 0, indices: Tensor(integers: [2, 0, 2])).sum().backward()
        #expect(x.grad?.toArray() == [1, 1, 0, 0, 2, 2])
    }

    @Test func indexSelectLargeBackwardMatchesNaive() {
        // Large enough for the parallel scatter over outer positions.
        let x = Tensor.zeros([64, 50, 32]).requiringGrad()
        let picks = (0..<40).map { ($0 * 7) % 50 }
        let g = Tensor.arange(0, Float(64 * 40 * 32)).reshaped([64, 40, 32])
        x.indexSelect(axis: 1, indices: Tensor(integers: picks)).backward(gradient: g)
        var expected = [Float](repeating: 0, count: 64 * 50 * 32)
        let gv = g.toArray()
        for o in 0..<64 { for j in 0..<40 { for c in 0..<32 {
            expected[(o * 50 + picks[j]) * 32 + c] += gv[(o * 40 + j) * 32 + c]
        } } }
        #expect(x.grad?.toArray() == expected)
    }

    @Test func embeddingValuesAndDuplicateGradient() {
        let weight = Tensor([0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42], shape: [5, 3]).requiringGrad()
        let indices = Tensor(integers: [1, 4, 1, 0], shape: [2, 2])
        let out = Tensor.embedding(indices, weight: weight)
        #expect(out.shape == [2, 2, 3])
        #expect(out.toArray() == [10, 11, 12, 40, 41, 42, 10, 11, 12, 0, 1, 2])
        let g = Tensor((0..<12).map(Float.init), shape: [2, 2, 3])
        out.backward(gradient: g)
        // Row 1 is used at positions 0 and 2: [0, 1, 2] + [6, 7, 8].
        #expect(weight.grad?.toArray() == [9, 10, 11, 6, 8, 10, 0, 0, 0, 0, 0, 0, 3, 4, 5])
        #expect(GradientCheck.maxError([GradientCheck.random([5, 3], seed: 31), indices]) { v in
            Tensor.embedding(v[1], weight: v[0])
        } < 1e-3)
        let single = Tensor.embedding(Tensor(integers: [3], shape: [], dtype: .int32), weight: weight)
        #expect(single.shape == [3] && single.toArray() == [30, 31, 32])
    }

    @Test func embeddingLargeBackwardMatchesNaive() {
        // One outer position and 256 columns: the scatter splits columns across threads.
        let rows = 100, dimension = 256, lookups = 1000
        let weight = Tensor.zeros([rows, dimension]).requiringGrad()
        let ids = (0..<lookups).map { ($0 * 37 + $0 / 3) % rows }
        let out = Tensor.embedding(Tensor(integers: ids), weight: weight)
        let g = Tensor((0..<(lookups * dimension)).map { Float($0 % 97) }, shape: [lookups, dimension])
        out.backward(gradient: g)
        var expected = [Float](repeating: 0, count: rows * dimension)
        let gv = g.toArray()
        for (j, id) in ids.enumerated() { for c in 0..<dimension { expected[id * dimension + c] += gv[j * dimension + c] } }
        #expect(weight.grad?.toArray() == expected)
    }

    @Test func gatherValues() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let picked = x.gather(axis: 1, indices: Tensor(integers: [0, 0, 2, 1], shape: [2, 2]))
        #expect(picked.shape == [2, 2] && picked.toArray() == [1, 1, 6, 5])
        let down = x.gather(axis: 0, indices: Tensor(integers: [1, 0, 1], shape: [1, 3], dtype: .int32))
        #expect(down.toArray() == [4, 2, 6])
        // Non-contiguous input: xᵀ = [[1, 4], [2, 5], [3, 6]].
        let t = x.transposed().gather(axis: 1, indices: Tensor(integers: [1, 0, 1], shape: [3, 1]))
        #expect(t.toArray() == [4, 2, 6])
        let labels = Tensor(integers: [7, 8, 9]).gather(axis: 0, indices: Tensor(integers: [2, 0]))
        #expect(labels.toIntArray() == [9, 7])
    }

    @Test func gatherGradients() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).requiringGrad()
        x.gather(axis: 1, indices: Tensor(integers: [0, 0, 2, 1], shape: [2, 2])).sum().backward()
        #expect(x.grad?.toArray() == [2, 0, 0, 0, 1, 1])
        let y = GradientCheck.random([3, 4, 2], seed: 32)
        let index = Tensor(integers: [0, 3, 3, 1, 2, 2, 0, 1, 1, 0, 3, 3], shape: [3, 2, 2])
        #expect(GradientCheck.maxError([y, index]) { $0[0].gather(axis: 1, indices: $0[1]) } < 1e-3)
        #expect(GradientCheck.maxError([y, index]) { v in
            v[0].transposed(0, 1).gather(axis: 0, indices: v[1].transposed(0, 1))
        } < 1e-3)
    }

    @Test func indexSelectGradients() {
        let x = GradientCheck.random([4, 3, 2], seed: 33)
        let index = Tensor(integers: [2, 0, 2, 1])
        #expect(GradientCheck.maxError([x, index]) { $0[0].indexSelect(axis: 0, indices: $0[1]) } < 1e-3)
        #expect(GradientCheck.maxError([x, index]) { $0[0].indexSelect(axis: 1, indices: $0[1]) } < 1e-3)
        #expect(GradientCheck.maxError([x, index]) { $0[0].transposed(1, 2).indexSelect(axis: 2, indices: $0[1]) } < 1e-3)
    }

    @Test func oneHotValues() {
        let labels = Tensor(integers: [2, 0, 1])
        let encoded = labels.oneHot(classes: 3)
        #expect(encoded.dtype == .float32 && encoded.shape == [3, 3])
        #expect(encoded.toArray() == [0, 0, 1, 1, 0, 0, 0, 1, 0])
        let grid = Tensor(integers: [1, 1, 0, 3], shape: [2, 2], dtype: .int32).oneHot(classes: 4)
        #expect(grid.shape == [2, 2, 4])
        #expect(grid.toArray() == [0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    }

    @Test func outOfRangeIndicesStopWithAMessage() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.embedding(Tensor(integers: [1, 7]), weight: Tensor.zeros([5, 2]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("embedding: index 7 is out of range for axis 0 of size 5"))
        }
        await #expect(processExitsWith: .failure) {
            _ = Tensor.zeros([2, 3]).gather(axis: 1, indices: Tensor(integers: [0, 3], shape: [2, 1]))
        }
        await #expect(processExitsWith: .failure) {
            _ = Tensor(integers: [0, -1]).oneHot(classes: 2)
        }
    }
}
