import Foundation

// PyTorch-style printing of tensors, following the rules of `torch._tensor_str` with its default
// print options (precision 4, line width 80, summarised above 1000 elements with 3 edge items).

extension Tensor: CustomStringConvertible {
    /// A PyTorch-like rendering, for example
    ///
    ///     tensor([[1.5000, 2.0000],
    ///             [3.0000, 4.0000]], requires_grad=True)
    ///
    /// Floating-point values print with 4 decimals, or as `1.` when all are integral, or in
    /// scientific notation when their magnitudes span more than 10³ (or exceed 10⁸, or go below
    /// 10⁻⁴); integers print plainly and bools as `True`/`False`. Tensors of more than 1000
    /// elements show 3 items at each edge of every dimension around `...`. Suffixes note a dtype
    /// other than float32, int64 and bool (with Flint's names, `dtype=int32`), a recorded gradient
    /// function (`grad_fn=<mul>`) or `requires_grad=True` on a leaf.
    public var description: String { TensorPrinter(self).render() }
}

/// Renders one tensor; mirrors `torch._tensor_str`.
struct TensorPrinter {
    static let threshold = 1000
    static let edgeItems = 3
    static let lineWidth = 80
    static let precision = 4

    let tensor: Tensor
    let summarize: Bool
    /// Whether values print as floating-point numbers.
    let floating: Bool
    /// All printed values are integral (floats print as `3.`).
    var integerMode = true
    /// Scientific notation (`1.0000e+03`).
    var scientificMode = false
    /// The widest formatted value; others are right-aligned to it.
    var width = 1

    init(_ tensor: Tensor) {
        self.tensor = tensor
        summarize = tensor.count > TensorPrinter.threshold
        floating = tensor.dtype.isFloatingPoint
        measure()
    }

    // MARK: Element access

    /// The element at `offset` (in elements from the storage base) as a Double.
    func value(at offset: Int) -> Double {
        let base = tensor.storage.data
        switch tensor.dtype {
        case .float32: return Double(base.assumingMemoryBound(to: Float.self)[offset])
        case .float16: return Double(floatFromHalfBits(base.assumingMemoryBound(to: UInt16.self)[offset]))
        case .bfloat16: return Double(floatFromBFloat16Bits(base.assumingMemoryBound(to: UInt16.self)[offset]))
        case .int64: return Double(base.assumingMemoryBound(to: Int64.self)[offset])
        case .int32: return Double(base.assumingMemoryBound(to: Int32.self)[offset])
        case .uint8, .bool: return Double(base.assumingMemoryBound(to: UInt8.self)[offset])
        }
    }

    /// The element at `offset` as an exact integer (integer and bool dtypes).
    func integer(at offset: Int) -> Int64 {
        let base = tensor.storage.data
        switch tensor.dtype {
        case .int64: return base.assumingMemoryBound(to: Int64.self)[offset]
        case .int32: return Int64(base.assumingMemoryBound(to: Int32.self)[offset])
        default: return Int64(base.assumingMemoryBound(to: UInt8.self)[offset])
        }
    }

    /// Indices along a dimension of `size` that are printed (all, or the edges when summarising).
    func shownIndices(_ size: Int) -> [Int] {
        let e = TensorPrinter.edgeItems
        if summarize && size > 2 * e { return Array(0..<e) + Array((size - e)..<size) }
        return Array(0..<size)
    }

    /// Calls `body` with the offset of every printed element.
    func forEachShownOffset(_ body: (Int) -> Void) {
        func walk(_ dim: Int, _ offset: Int) {
            if dim == tensor.rank {
                body(offset)
                return
            }
            for i in shownIndices(tensor.shape[dim]) { walk(dim + 1, offset + i * tensor.strides[dim]) }
        }
        walk(0, tensor.offset)
    }

    // MARK: Formatting

    /// Chooses the number format from the printed values, as PyTorch's `_Formatter`.
    private mutating func measure() {
        if tensor.count == 0 { return }
        if !floating {
            var widest = 1
            forEachShownOffset { offset in widest = Swift.max(widest, format(offset: offset).count) }
            width = widest
            return
        }
        var finite: [Double] = []
        forEachShownOffset { offset in
            let v = value(at: offset)
            if v.isFinite && v != 0 { finite.append(v) }
        }
        if finite.isEmpty { return }
        let magnitudes = finite.map { Swift.abs($0) }
        let largest = magnitudes.max()!, smallest = magnitudes.min()!
        integerMode = finite.allSatisfy { $0 == $0.rounded(.up) }
        if integerMode {
            scientificMode = largest / smallest > 1000 || largest > 1e8
        } else {
            scientificMode = largest / smallest > 1000 || largest > 1e8 || smallest < 1e-4
        }
        var widest = 1
        for v in finite {
            let text = formatFloat(v)
            widest = Swift.max(widest, text.count)
        }
        width = widest
    }

    /// A floating value in the chosen format, without padding.
    func formatFloat(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        if scientificMode { return String(format: "%.\(TensorPrinter.precision)e", v) }
        if integerMode { return String(format: "%.0f", v) + "." }
        return String(format: "%.\(TensorPrinter.precision)f", v)
    }

    /// The element at `offset`, formatted but not padded.
    func format(offset: Int) -> String {
        if floating { return formatFloat(value(at: offset)) }
        if tensor.dtype == .bool { return integer(at: offset) != 0 ? "True" : "False" }
        return String(integer(at: offset))
    }

    /// The element at `offset`, right-aligned to the common width.
    func padded(offset: Int) -> String {
        let text = format(offset: offset)
        return text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    // MARK: Layout

    /// One dimension `dim` starting at `offset`, nested `indent` columns deep.
    func render(dim: Int, offset: Int, indent: Int) -> String {
        let size = tensor.shape[dim], stride = tensor.strides[dim]
        let e = TensorPrinter.edgeItems
        let elided = summarize && size > 2 * e
        if dim == tensor.rank - 1 {
            let perLine = Swift.max(1, (TensorPrinter.lineWidth - indent) / (width + 2))
            var items: [String] = []
            for i in shownIndices(size) {
                if elided && i == size - e { items.append(" ...") }
                items.append(padded(offset: offset + i * stride))
            }
            var lines: [String] = []
            var start = 0
            while start < items.count {
                lines.append(items[start..<Swift.min(start + perLine, items.count)].joined(separator: ", "))
                start += perLine
            }
            return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
        }
        var slices: [String] = []
        for i in shownIndices(size) {
            if elided && i == size - e { slices.append("...") }
            slices.append(render(dim: dim + 1, offset: offset + i * stride, indent: indent + 1))
        }
        let separator = "," + String(repeating: "\n", count: tensor.rank - dim - 1)
            + String(repeating: " ", count: indent + 1)
        return "[" + slices.joined(separator: separator) + "]"
    }

    /// The whole `tensor(…)` text with suffixes.
    func render() -> String {
        let prefix = "tensor("
        let indent = prefix.count
        var suffixes: [String] = []
        let body: String
        if tensor.count == 0 {
            if tensor.rank != 1 {
                suffixes.append("size=(" + tensor.shape.map(String.init).joined(separator: ", ")
                                + (tensor.rank == 1 ? ",)" : ")"))
            }
            if tensor.dtype != .float32 { suffixes.append("dtype=\(tensor.dtype)") }
            body = "[]"
        } else {
            if ![.float32, .int64, .bool].contains(tensor.dtype) { suffixes.append("dtype=\(tensor.dtype)") }
            body = tensor.rank == 0 ? padded(offset: tensor.offset) : render(dim: 0, offset: tensor.offset, indent: indent)
        }
        if let name = tensor.gradientFunctionName {
            suffixes.append("grad_fn=<\(name)>")
        } else if tensor.requiresGrad {
            suffixes.append("requires_grad=True")
        }
        var text = prefix + body
        let lastNewline = text.lastIndex(of: "\n").map { text.distance(from: text.startIndex, to: $0) } ?? -1
        var lastLineLength = text.count - lastNewline + 1
        for suffix in suffixes {
            if lastLineLength + suffix.count + 2 > TensorPrinter.lineWidth {
                text += ",\n" + String(repeating: " ", count: indent) + suffix
                lastLineLength = indent + suffix.count
            } else {
                text += ", " + suffix
                lastLineLength += suffix.count + 2
            }
        }
        return text + ")"
    }
}
