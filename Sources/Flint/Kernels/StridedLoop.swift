/// Walks up to four strided operands over a common shape, one innermost row at a time.
///
/// Dimensions that are contiguous for every operand are merged first, so a contiguous tensor is one
/// row. The body receives the element offset of each operand at the start of the row and the row
/// length; the innermost strides are in ``innerStrides``.
struct StridedLoop {
    let shape: [Int]
    let strides: [[Int]]
    let operandCount: Int

    init(shape: [Int], strides: [[Int]]) {
        operandCount = strides.count
        require(operandCount >= 1 && operandCount <= 4)
        // Drop size-1 dimensions, then merge neighbours that are contiguous for every operand.
        var dims: [Int] = []
        var st: [[Int]] = Array(repeating: [], count: strides.count)
        for i in 0..<shape.count where shape[i] != 1 {
            dims.append(shape[i])
            for k in 0..<strides.count { st[k].append(strides[k][i]) }
        }
        if dims.isEmpty {
            dims = [1]
            for k in 0..<strides.count { st[k] = [1] }
        }
        var mergedDims = [dims[dims.count - 1]]
        var mergedStrides = st.map { [$0[$0.count - 1]] }
        var i = dims.count - 2
        while i >= 0 {
            var canMerge = true
            for k in 0..<st.count where st[k][i] != mergedStrides[k][0] * mergedDims[0] {
                canMerge = false
                break
            }
            if canMerge {
                mergedDims[0] *= dims[i]
            } else {
                mergedDims.insert(dims[i], at: 0)
                for k in 0..<st.count { mergedStrides[k].insert(st[k][i], at: 0) }
            }
            i -= 1
        }
        self.shape = mergedDims
        self.strides = mergedStrides
    }

    /// Innermost stride of each operand.
    var innerStrides: (Int, Int, Int, Int) {
        let r = shape.count - 1
        return (strides[0][r], operandCount > 1 ? strides[1][r] : 0,
                operandCount > 2 ? strides[2][r] : 0, operandCount > 3 ? strides[3][r] : 0)
    }

    var rowLength: Int { shape[shape.count - 1] }
    var rowCount: Int { Shape.count(shape) / max(shape[shape.count - 1], 1) }

    /// Calls `body(offsets, count)` for every row; rows are split across threads when the
    /// total work is at least `parallelThreshold` elements. With fewer rows than threads (a
    /// contiguous tensor is one merged row) each row is handed over in column pieces instead, so
    /// `count` may be less than ``rowLength``: bodies must be elementwise.
    func forEachRow(parallelThreshold: Int = 1 << 16,
                    _ body: (_ offsets: UnsafePointer<Int>, _ count: Int) -> Void) {
        let rows = rowCount
        let length = rowLength
        if rows == 0 || length == 0 { return }
        let work = rows * length
        if work >= parallelThreshold && rows >= Parallel.threadCount && Parallel.threadCount > 1 {
            Parallel.forChunks(rows, minimumChunk: max(1, 4096 / length)) { range in
                runRows(range, length: length, body)
            }
        } else if work >= parallelThreshold && Parallel.threadCount > 1 {
            // Fewer rows than threads (a contiguous tensor is a single merged row): split the
            // columns instead. Bodies are elementwise (merging already hides row structure), so a
            // row may be handed over in pieces.
            Parallel.forChunks(length, minimumChunk: 4096) { range in
                runRows(0..<rows, length: range.count, columnStart: range.lowerBound, body)
            }
        } else {
            runRows(0..<rows, length: length, body)
        }
    }

    private func runRows(_ range: Range<Int>, length: Int, columnStart: Int = 0,
                         _ body: (UnsafePointer<Int>, Int) -> Void) {
        let outerRank = shape.count - 1
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 4 + max(outerRank, 1)) { buffer in
            let offsets = buffer.baseAddress!
            let index = offsets + 4
            // Decompose the first row index into a multi-index.
            var r = range.lowerBound
            for d in stride(from: outerRank - 1, through: 0, by: -1) {
                index[d] = r % shape[d]
                r /= shape[d]
            }
            for k in 0..<4 {
                var o = 0
                if k < operandCount {
                    for d in 0..<outerRank { o += index[d] * strides[k][d] }
                    o += columnStart * strides[k][outerRank]
                }
                offsets[k] = o
            }
            for _ in range {
                body(UnsafePointer(offsets), length)
                // Advance the multi-index (odometer).
                var d = outerRank - 1
                while d >= 0 {
                    index[d] += 1
                    for k in 0..<operandCount { offsets[k] += strides[k][d] }
                    if index[d] < shape[d] { break }
                    for k in 0..<operandCount { offsets[k] -= strides[k][d] * shape[d] }
                    index[d] = 0
                    d -= 1
                }
            }
        }
    }
}
