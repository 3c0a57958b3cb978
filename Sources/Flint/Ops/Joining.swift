#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Joining and splitting along an axis.
//
// concatenate copies each input into its window of a new contiguous tensor; its backward hands each
// input the matching window (a view) of the output gradient. split and chunk are windows (views) of
// their input, so their gradients come from the slicing backward.

extension Tensor {
    /// Joins tensors along an existing axis (`torch.cat`).
    ///
    /// Every tensor must have the same dtype, the same rank and the same size on every other axis;
    /// sizes along `axis` add up (zero is allowed). The result is a new contiguous tensor.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        require(!tensors.isEmpty, "concatenate: needs at least one tensor")
        let first = tensors[0]
        let rank = first.rank
        require(rank > 0, "concatenate: zero-dimensional tensors cannot be concatenated (use stack); shapes \(tensors.map(\.shape))")
        let a = Shape.axis(axis, rank: rank, op: "concatenate")
        var total = 0
        for t in tensors {
            require(t.dtype == first.dtype,
                         "concatenate: dtypes differ: \(tensors.map(\.dtype))")
            require(t.rank == rank && (0..<rank).allSatisfy { $0 == a || t.shape[$0] == first.shape[$0] },
                         "concatenate: shapes \(tensors.map(\.shape)) differ outside axis \(axis)")
            total += t.shape[a]
        }
        var outShape = first.shape
        outShape[a] = total
        let out = Tensor(uninitializedShape: outShape, dtype: first.dtype)
        let outer = Shape.count(Array(outShape[..<a]))
        let inner = Shape.count(Array(outShape[(a + 1)...]))
        let elementSize = first.dtype.byteSize
        let destinationRowBytes = total * inner * elementSize
        var start = 0
        for t in tensors {
            let length = t.shape[a]
            defer { start += length }
            if length == 0 || outer == 0 || inner == 0 { continue }
            let destination = out.storage.data + (start * inner) * elementSize
            if t.isContiguous {
                copyRows(from: UnsafeRawPointer(t.storage.data + t.offset * elementSize), sourceRowBytes: length * inner * elementSize,
                         to: destination, destinationRowBytes: destinationRowBytes,
                         rows: outer, bytesPerRow: length * inner * elementSize)
            } else {
                let window = Tensor(storage: out.storage, dtype: out.dtype, shape: t.shape,
                                    strides: out.strides, offset: start * inner)
                copyElements(from: t, into: window)
            }
        }
        let lengths = tensors.map { $0.shape[a] }
        let needs = tensors.map(\.requiresGrad)
        return Tensor.record(out, op: "concatenate", inputs: tensors) { g in
            var gradients: [Tensor?] = []
            var offset = 0
            for (length, needed) in zip(lengths, needs) {
                gradients.append(needed ? g.narrow(axis: a, start: offset, length: length) : nil)
                offset += length
            }
            return gradients
        }
    }

    /// Joins tensors of one shape along a new axis inserted at `axis` (`torch.stack`); `axis` may
    /// be `rank` (append) or negative, counting from `rank + 1`.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        require(!tensors.isEmpty, "stack: needs at least one tensor")
        let shape = tensors[0].shape
        require(tensors.allSatisfy { $0.shape == shape }, "stack: shapes differ: \(tensors.map(\.shape))")
        let a = axis < 0 ? axis + shape.count + 1 : axis
        require(a >= 0 && a <= shape.count, "stack: axis \(axis) is out of range for tensors of rank \(shape.count)")
        return concatenate(tensors.map { $0.unsqueezed(a) }, axis: a)
    }

    /// Splits `axis` into consecutive pieces of the given sizes, which must add up to its size
    /// (`torch.split` with a list). The pieces are views.
    public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
        require(rank > 0, "split: cannot split a zero-dimensional tensor")
        let a = Shape.axis(axis, rank: rank, op: "split")
        require(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[a],
                     "split: sizes \(sizes) do not add up to the size \(shape[a]) of axis \(axis) (shape \(shape))")
        var pieces: [Tensor] = []
        pieces.reserveCapacity(sizes.count)
        var start = 0
        for size in sizes {
            pieces.append(narrow(axis: a, start: start, length: size))
            start += size
        }
        return pieces
    }

    /// Splits `axis` into pieces of `size` elements, the last one smaller when `size` does not
    /// divide the axis (`torch.split` with an integer). The pieces are views.
    public func split(size: Int, axis: Int = 0) -> [Tensor] {
        require(rank > 0, "split: cannot split a zero-dimensional tensor")
        require(size > 0, "split: piece size must be positive, got \(size)")
        let a = Shape.axis(axis, rank: rank, op: "split")
        let n = shape[a]
        if n == 0 { return [narrow(axis: a, start: 0, length: 0)] }
        var sizes = [Int](repeating: size, count: n / size)
        if n % size != 0 { sizes.append(n % size) }
        return split(sizes: sizes, axis: a)
    }

    /// Splits `axis` into at most `count` pieces of `⌈size / count⌉` elements (the last one
    /// smaller), as `torch.chunk`: fewer than `count` pieces come back when the size does not allow
    /// `count` (for example 6 elements in 4 chunks gives 3 chunks of 2). The pieces are views.
    public func chunk(_ count: Int, axis: Int = 0) -> [Tensor] {
        require(rank > 0, "chunk: cannot chunk a zero-dimensional tensor")
        require(count > 0, "chunk: count must be positive, got \(count)")
        let a = Shape.axis(axis, rank: rank, op: "chunk")
        let n = shape[a]
        if n == 0 { return split(sizes: [Int](repeating: 0, count: count), axis: a) }
        return split(size: (n + count - 1) / count, axis: a)
    }
}

/// Copies `rows` runs of `bytesPerRow` bytes between strided row starts, in parallel when large.
func copyRows(from source: UnsafeRawPointer, sourceRowBytes: Int,
              to destination: UnsafeMutableRawPointer, destinationRowBytes: Int,
              rows: Int, bytesPerRow: Int) {
    let totalBytes = rows * bytesPerRow
    if rows == 1 || sourceRowBytes == bytesPerRow && destinationRowBytes == bytesPerRow {
        // One run: split it into byte ranges.
        let parts = totalBytes >= 1 << 21 ? Parallel.threadCount : 1
        Parallel.run(tasks: parts) { p in
            let begin = totalBytes * p / parts, end = totalBytes * (p + 1) / parts
            memcpy(destination + begin, source + begin, end - begin)
        }
        return
    }
    let minimumRows = totalBytes >= 1 << 21 ? max(1, (1 << 18) / max(bytesPerRow, 1)) : rows
    Parallel.forChunks(rows, minimumChunk: minimumRows) { range in
        for r in range {
            memcpy(destination + r * destinationRowBytes, source + r * sourceRowBytes, bytesPerRow)
        }
    }
}
