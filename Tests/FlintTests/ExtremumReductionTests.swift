import Testing
import Flint
import FlintTestSupport

@Suite struct ExtremumReductionTests {
    @Test func maxMinAlongAxes() {
        let x = Tensor([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8], shape: [3, 4])
        let rows = x.max(axis: 1)
        #expect(rows.values.shape == [3] && rows.values.toArray() == [4, 9, 8])
        #expect(rows.indices.dtype == .int64 && rows.indices.toIntArray() == [2, 1, 3])
        let columns = x.min(axis: 0, keepDims: true)
        #expect(columns.values.shape == [1, 4] && columns.values.toArray() == [3, 1, 2, 1])
        #expect(columns.indices.shape == [1, 4] && columns.indices.toIntArray() == [0, 0, 1, 0])
        #expect(x.max(axis: -2).values.toArray() == [5, 9, 5, 8])
        #expect(x.max(axis: -2).indices.toIntArray() == [1, 1, 2, 2])
        #expect(x.argmax(axis: 1).toIntArray() == [2, 1, 3])
        #expect(x.argmin(axis: 1, keepDims: true).shape == [3, 1])
        #expect(x.argmin(axis: 1).toIntArray() == [1, 2, 1])
        #expect(x.argmax().toIntArray() == [5] && x.argmax().shape == [])
        #expect(x.argmin().toIntArray() == [1])
        #expect(x.max().item() == 9 && x.min().item() == 1 && x.max().shape == [])
    }

    @Test func threeDimensionalAndTransposed() {
        // shape [2, 3, 2]: reduce the middle axis (strided slices).
        let x = Tensor([1, 8, 7, 2, 3, 9, 6, 5, 4, 0, 10, 1], shape: [2, 3, 2])
        let r = x.max(axis: 1)
        #expect(r.values.toArray() == [7, 9, 10, 5])
        #expect(r.indices.toIntArray() == [1, 2, 2, 0])
        let t = x.transposed(0, 2)  // shape [2, 3, 2], non-contiguous
        #expect(t.min(axis: 2).values.toArray() == [1, 4, 3, 5, 0, 1])
        #expect(t.min(axis: 2).indices.toIntArray() == [0, 1, 0, 1, 1, 1])
    }

    @Test func tiesAndNaN() {
        // Along an axis the first extremal index wins.
        let x = Tensor([2, 5, 5, 1, 1, 0, 0, 3], shape: [2, 4])
        #expect(x.max(axis: 1).indices.toIntArray() == [1, 3])
        #expect(x.min(axis: 1).indices.toIntArray() == [3, 1])
        // Long rows use the vectorised path; the first of two equal maxima is reported.
        var values = (0..<1000).map { Float($0 % 97) / 10 }
        values[777] = 50
        values[900] = 50
        #expect(Tensor(values).argmax(axis: 0).toIntArray() == [777])
        #expect(Tensor(values).max().item() == 50)
        // NaN propagates, and its first position is the index.
        values[500] = .nan
        values[600] = .nan
        let withNaN = Tensor(values).max(axis: 0)
        #expect(withNaN.values.item().isNaN && withNaN.indices.toIntArray() == [500])
        #expect(Tensor(values).min().item().isNaN)
        let short = Tensor([1, .nan, 3]).min(axis: 0)
        #expect(short.values.item().isNaN && short.indices.toIntArray() == [1])
        // argmax accepts integer tensors.
        #expect(Tensor(integers: [4, 9, 2]).argmax(axis: 0).toIntArray() == [1])
    }

    @Test func stridedTiesAndNaN() {
        // Axis 0 of a [4, 10] tensor: eight vector lanes plus two scalar lanes per row sweep.
        var values = [Float](repeating: 0, count: 40)
        for j in 0..<4 { for k in 0..<10 { values[j * 10 + k] = Float((j * 2 + k) % 3) } }
        values[2 * 10 + 5] = .nan
        values[3 * 10 + 5] = .nan
        values[1 * 10 + 9] = .nan
        let x = Tensor(values, shape: [4, 10])
        let r = x.max(axis: 0)
        let m = x.min(axis: 0)
        for k in 0..<10 {
            let column = (0..<4).map { values[$0 * 10 + k] }
            if let firstNaN = column.firstIndex(where: { $0.isNaN }) {
                #expect(r.values.toArray()[k].isNaN && r.indices.toIntArray()[k] == firstNaN)
                #expect(m.values.toArray()[k].isNaN && m.indices.toIntArray()[k] == firstNaN)
            } else {
                #expect(r.values.toArray()[k] == column.max()! && r.indices.toIntArray()[k] == column.firstIndex(of: column.max()!)!)
                #expect(m.values.toArray()[k] == column.min()! && m.indices.toIntArray()[k] == column.firstIndex(of: column.min()!)!)
            }
        }
        // Columns hold 3 distinct values in 4 rows, so each has a tie; the first index wins.
        #expect(x.argmax(axis: 0).toIntArray() == [1, 2, 0, 1, 2, 2, 1, 2, 0, 1])
        #expect(x.argmin(axis: 0).toIntArray() == [0, 1, 2, 0, 1, 2, 0, 1, 2, 1])
    }

    @Test func largeParallelReductions() {
        let n = 300_000
        var values = (0..<n).map { Float(($0 * 7919) % 10007) / 1000 }
        values[123_456] = -5
        let x = Tensor(values)
        #expect(x.min().item() == -5)
        #expect(x.argmin(axis: 0).toIntArray() == [123_456])
        let m = Tensor(values, shape: [600, 500])
        let byColumn = m.min(axis: 0)
        #expect(byColumn.values.toArray()[456] == -5 && byColumn.indices.toIntArray()[456] == 246)
    }

    @Test func gradients() {
        // Distinct values 0.1 apart, so finite-difference steps never change the selected element.
        let x = Tensor((0..<60).map { Float(($0 * 37) % 60) * 0.1 - 3 }, shape: [3, 4, 5]).requiringGrad()
        #expect(GradientCheck.maxError([x]) { $0[0].max(axis: 1).values } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0].min(axis: -1, keepDims: true).values } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0].max(axis: 0).values * 2 } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0].transposed(0, 2).max(axis: 2).values } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0].max() } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0].min() * $0[0].sum() } < 1e-2)
    }

    @Test func tieGradients() {
        // All-element max splits the gradient evenly between ties (as torch.max()).
        let x = Tensor([1, 3, 3, 2]).requiringGrad()
        x.max().backward()
        #expect(x.grad?.toArray() == [0, 0.5, 0.5, 0])
        // Along an axis the gradient goes to the reported (first) index.
        let y = Tensor([1, 3, 3, 2]).requiringGrad()
        y.max(axis: 0).values.backward()
        #expect(y.grad?.toArray() == [0, 1, 0, 0])
    }

    @Test func varianceValues() {
        let x = Tensor([1, 2, 3, 4])
        #expect(x.variance().item() == 5 / Float(3))
        #expect(x.variance(unbiased: false).item() == 1.25)
        let m = Tensor([1, 2, 3, 4, 6, 8], shape: [2, 3])
        #expect(m.variance(axes: [1]).toArray() == [1, 4])
        #expect(m.variance(axes: [0], unbiased: false, keepDims: true).shape == [1, 3])
        #expect(m.variance(axes: [0], unbiased: false, keepDims: true).toArray() == [2.25, 4, 6.25])
        #expect(m.transposed().variance(axes: [0]).toArray() == [1, 4])
        #expect(Tensor([3]).variance().item().isNaN)
        // Large offset: the two-pass form keeps the digits.
        #expect(Tensor([10_000.5, 10_001.5, 10_002.5]).variance().item() == 1)
    }

    @Test func varianceGradients() {
        let x = GradientCheck.random([3, 4], seed: 32)
        #expect(GradientCheck.maxError([x]) { $0[0].variance() } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0].variance(axes: [1], unbiased: false) } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0].transposed().variance(axes: [0], keepDims: true) } < 1e-3)
    }
}
