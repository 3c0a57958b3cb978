#if canImport(Glibc)
import Glibc
#endif
import CFlintBLAS

/// A `Linear` weight W `[outputs, inputs]` copied once into 16-column panels for products
/// C = A · Wᵀ with few rows in A (a handful of tokens at inference time).
///
/// BLAS packs the whole weight on every call; when A has only a few rows that copy costs more than
/// the arithmetic and doubles the memory traffic. Here panel p holds, for every input k, the 16
/// weights W[16p ..< 16p + 16, k] side by side (zero-padded past `outputs`), so the micro-kernel
/// streams each weight exactly once per 4 rows of A, with 4 × 16 accumulators in registers.
public final class PackedLinearWeight: @unchecked Sendable {
    /// Rows of W (columns of C).
    public let outputs: Int
    /// Columns of W (the shared dimension k).
    public let inputs: Int
    /// Number of 16-column panels.
    public let panelCount: Int
    let panels: UnsafeMutablePointer<Float>

    /// Columns per panel.
    public static let panelWidth = 16

    /// Packs `weight`, `outputs` rows of `inputs` contiguous floats.
    public init(weight: UnsafePointer<Float>, outputs: Int, inputs: Int) {
        self.outputs = outputs
        self.inputs = inputs
        panelCount = (outputs + 15) / 16
        let count = max(panelCount * 16 * inputs, 16)
        var raw: UnsafeMutableRawPointer? = nil
        let status = posix_memalign(&raw, 64, count * 4)
        require(status == 0 && raw != nil, "PackedLinearWeight: cannot allocate \(count * 4) bytes")
        panels = raw!.bindMemory(to: Float.self, capacity: count)
        for p in 0..<panelCount {
            let panel = panels + p * 16 * inputs
            for j in 0..<16 {
                let row = p * 16 + j
                if row < outputs {
                    let source = weight + row * inputs
                    for k in 0..<inputs { panel[k * 16 + j] = source[k] }
                } else {
                    for k in 0..<inputs { panel[k * 16 + j] = 0 }
                }
            }
        }
    }

    deinit { free(panels) }

    /// Bytes of the packed copy.
    public var byteCount: Int { panelCount * 16 * inputs * 4 }

    /// C[rows, columns] (+)= A[rows, inputs] · Wᵀ[inputs, columns] on the calling thread, for the
    /// output columns of panels `panelRange` (C's column 16p is panel p's first column).
    ///
    /// - Parameters:
    ///   - a: row-major A with row stride `lda`.
    ///   - c: row-major C with row stride `ldc`; column j of C is output j of the weight.
    ///   - accumulate: add to C (BLAS β = 1) instead of overwriting it.
    public func multiply(_ a: UnsafePointer<Float>, leadingDimensionA lda: Int, rows: Int,
                         into c: UnsafeMutablePointer<Float>, leadingDimensionC ldc: Int,
                         panels panelRange: Range<Int>? = nil, accumulate: Bool = false,
                         epilogue: PackedLinearEpilogue = .none) {
        let range = panelRange ?? 0..<panelCount
        if rows == 0 || range.isEmpty { return }
        let k = inputs
        // Rows in blocks that keep A's block in L2 while the panels stream past it.
        let rowBlock = max(4, min(64, (256 * 1024) / max(k * 4, 1)) & ~3)
        var blockStart = 0
        while blockStart < rows {
            let blockEnd = min(rows, blockStart + rowBlock)
            for p in range {
                let panel = UnsafePointer(panels + p * 16 * k)
                let column = p * 16
                let width = min(16, outputs - column)
                // While the block's first rows run, the next panel is prefetched (later rows find
                // this panel in cache and prefetch lines of it that are already there).
                let next = UnsafeRawPointer(panel + 16 * k), ahead = UnsafeRawPointer(panel + 128)
                var r = blockStart
                while r + 6 <= blockEnd {
                    PackedLinearKernels.rows6(a + r * lda, lda, panel, k, c + r * ldc + column, ldc, width, accumulate,
                                              prefetch: r == blockStart ? next : ahead)
                    r += 6
                }
                if r + 4 <= blockEnd {
                    PackedLinearKernels.rows4(a + r * lda, lda, panel, k, c + r * ldc + column, ldc, width, accumulate,
                                              prefetch: r == blockStart ? next : ahead)
                    r += 4
                }
                while r < blockEnd {
                    PackedLinearKernels.rows1(a + r * lda, panel, k, c + r * ldc + column, width, accumulate)
                    r += 1
                }
                // The epilogue runs over the block's tile while it is still in L1.
                PackedLinearKernels.apply(epilogue, c + blockStart * ldc + column, ldc, rows: blockEnd - blockStart,
                                          column: column, width: width)
            }
            blockStart = blockEnd
        }
    }

    /// ``multiply(_:leadingDimensionA:rows:into:leadingDimensionC:panels:accumulate:)`` over all
    /// panels, split across Flint's threads by panels (few rows) or by rows (many rows).
    public func parallelMultiply(_ a: UnsafePointer<Float>, leadingDimensionA lda: Int, rows: Int,
                                 into c: UnsafeMutablePointer<Float>, leadingDimensionC ldc: Int,
                                 accumulate: Bool = false, epilogue: PackedLinearEpilogue = .none) {
        let threads = Parallel.threadCount
        if threads == 1 || rows * outputs * inputs < (1 << 18) {
            multiply(a, leadingDimensionA: lda, rows: rows, into: c, leadingDimensionC: ldc, accumulate: accumulate,
                     epilogue: epilogue)
            return
        }
        // Few rows: split the weight (each thread streams part of it); many: split A's rows. Tasks
        // are several per thread and taken dynamically, so a thread the OS pauses on a busy machine
        // does not hold the others up; each task writes its own part of C, so results do not depend
        // on which thread ran it.
        if rows <= 256 {
            let panelCount = self.panelCount
            let tasks = min(panelCount, 4 * threads)
            Parallel.run(tasks: tasks) { t in
                let start = panelCount * t / tasks, end = panelCount * (t + 1) / tasks
                multiply(a, leadingDimensionA: lda, rows: rows, into: c, leadingDimensionC: ldc,
                         panels: start..<end, accumulate: accumulate, epilogue: epilogue)
            }
        } else {
            let block = 64
            Parallel.run(tasks: (rows + block - 1) / block) { t in
                let start = t * block, end = min(rows, start + block)
                multiply(a + start * lda, leadingDimensionA: lda, rows: end - start, into: c + start * ldc,
                         leadingDimensionC: ldc, accumulate: accumulate, epilogue: epilogue)
            }
        }
    }
}

/// What ``PackedLinearWeight`` applies to each output value before storing it (while it is still in a
/// register): nothing, a per-column bias, or a bias followed by an activation. With `accumulate`
/// the existing C value is added before the activation.
public enum PackedLinearEpilogue: @unchecked Sendable {
    /// Store the product as is.
    case none
    /// Add `bias[column]`.
    case bias(UnsafePointer<Float>)
    /// Add the bias, then exact GELU 0.5·x·(1 + erf(x/√2)) (``VectorMath/gelu(_:)``, float32 rounding level).
    case biasGELU(UnsafePointer<Float>)
    /// Add the bias, then the tanh approximation of GELU.
    case biasGELUTanh(UnsafePointer<Float>)
    /// Add the bias, then max(x, 0).
    case biasReLU(UnsafePointer<Float>)
}

/// The register-blocked micro-kernels of ``PackedLinearWeight``.
enum PackedLinearKernels {
    /// C[6, width] (+)= A[6, k] · panel[k, 16] (first `width` columns stored): 12 accumulators;
    /// each k step also prefetches the cache line `prefetch + 64·k`.
    @inline(never)
    static func rows6(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                      _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ width: Int, _ accumulate: Bool,
                      prefetch: UnsafeRawPointer) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
        var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
        var p = panel
        for kk in 0..<k {
            flint_prefetch(prefetch + kk * 64)
            let b0 = loadVector(p), b1 = loadVector(p + 8)
            let x0 = SIMD8<Float>(repeating: a0[kk])
            c00 = c00.addingProduct(x0, b0)
            c01 = c01.addingProduct(x0, b1)
            let x1 = SIMD8<Float>(repeating: a1[kk])
            c10 = c10.addingProduct(x1, b0)
            c11 = c11.addingProduct(x1, b1)
            let x2 = SIMD8<Float>(repeating: a2[kk])
            c20 = c20.addingProduct(x2, b0)
            c21 = c21.addingProduct(x2, b1)
            let x3 = SIMD8<Float>(repeating: a3[kk])
            c30 = c30.addingProduct(x3, b0)
            c31 = c31.addingProduct(x3, b1)
            let x4 = SIMD8<Float>(repeating: a4[kk])
            c40 = c40.addingProduct(x4, b0)
            c41 = c41.addingProduct(x4, b1)
            let x5 = SIMD8<Float>(repeating: a5[kk])
            c50 = c50.addingProduct(x5, b0)
            c51 = c51.addingProduct(x5, b1)
            p += 16
        }
        store(c00, c01, c, width, accumulate)
        store(c10, c11, c + ldc, width, accumulate)
        store(c20, c21, c + 2 * ldc, width, accumulate)
        store(c30, c31, c + 3 * ldc, width, accumulate)
        store(c40, c41, c + 4 * ldc, width, accumulate)
        store(c50, c51, c + 5 * ldc, width, accumulate)
    }

    /// C[4, width] (+)= A[4, k] · panel[k, 16] (first `width` columns stored); each k step also
    /// prefetches the cache line `prefetch + 64·k`.
    @inline(never)
    static func rows4(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                      _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ width: Int, _ accumulate: Bool,
                      prefetch: UnsafeRawPointer) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda
        var p = panel
        for kk in 0..<k {
            flint_prefetch(prefetch + kk * 64)
            let b0 = loadVector(p), b1 = loadVector(p + 8)
            let x0 = SIMD8<Float>(repeating: a0[kk])
            c00 = c00.addingProduct(x0, b0)
            c01 = c01.addingProduct(x0, b1)
            let x1 = SIMD8<Float>(repeating: a1[kk])
            c10 = c10.addingProduct(x1, b0)
            c11 = c11.addingProduct(x1, b1)
            let x2 = SIMD8<Float>(repeating: a2[kk])
            c20 = c20.addingProduct(x2, b0)
            c21 = c21.addingProduct(x2, b1)
            let x3 = SIMD8<Float>(repeating: a3[kk])
            c30 = c30.addingProduct(x3, b0)
            c31 = c31.addingProduct(x3, b1)
            p += 16
        }
        store(c00, c01, c, width, accumulate)
        store(c10, c11, c + ldc, width, accumulate)
        store(c20, c21, c + 2 * ldc, width, accumulate)
        store(c30, c31, c + 3 * ldc, width, accumulate)
    }

    /// C[1, width] (+)= A[1, k] · panel[k, 16]. Each output is one multiply-add chain over k in
    /// order, as in the wider tiles, so a row's result does not depend on which tile computed it
    /// (a batch gives bit-identical rows to the same inputs one at a time).
    @inline(never)
    static func rows1(_ a: UnsafePointer<Float>, _ panel: UnsafePointer<Float>, _ k: Int,
                      _ c: UnsafeMutablePointer<Float>, _ width: Int, _ accumulate: Bool) {
        var c0 = SIMD8<Float>(), c1 = SIMD8<Float>()
        var p = panel
        for kk in 0..<k {
            let x = SIMD8<Float>(repeating: a[kk])
            c0 = c0.addingProduct(x, loadVector(p))
            c1 = c1.addingProduct(x, loadVector(p + 8))
            p += 16
        }
        store(c0, c1, c, width, accumulate)
    }

    /// Writes one 16-wide row of a tile (adding to C with `accumulate`), only the first `width` columns.
    @inline(__always)
    static func store(_ low: SIMD8<Float>, _ high: SIMD8<Float>, _ c: UnsafeMutablePointer<Float>, _ width: Int,
                      _ accumulate: Bool) {
        if width == 16 {
            if accumulate {
                storeVector(loadVector(c) + low, c)
                storeVector(loadVector(c + 8) + high, c + 8)
            } else {
                storeVector(low, c)
                storeVector(high, c + 8)
            }
            return
        }
        for j in 0..<width {
            let v = j < 8 ? low[j] : high[j - 8]
            c[j] = accumulate ? c[j] + v : v
        }
    }

    /// Applies `epilogue` to `rows` rows of a tile of `width` (≤ 16) columns starting at output `column`.
    @inline(never)
    static func apply(_ epilogue: PackedLinearEpilogue, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, rows: Int,
                      column: Int, width: Int) {
        switch epilogue {
        case .none: return
        case .bias(let bias): map(c, ldc, rows, bias + column, width) { $0 }
        case .biasGELU(let bias):
            map(c, ldc, rows, bias + column, width) { VectorMath.gelu($0) }
        case .biasGELUTanh(let bias):
            map(c, ldc, rows, bias + column, width) { x in
                0.5 * x * (1 + VectorMath.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
            }
        case .biasReLU(let bias): map(c, ldc, rows, bias + column, width) { x in x.replacing(with: 0, where: x .< 0) }
        }
    }

    /// c ← f(c + bias) over a tile.
    @inline(__always)
    static func map(_ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ rows: Int, _ bias: UnsafePointer<Float>, _ width: Int,
                    _ f: (SIMD8<Float>) -> SIMD8<Float>) {
        if width == 16 {
            let b0 = loadVector(bias), b1 = loadVector(bias + 8)
            for r in 0..<rows {
                let row = c + r * ldc
                storeVector(f(loadVector(row) + b0), row)
                storeVector(f(loadVector(row + 8) + b1), row + 8)
            }
            return
        }
        for r in 0..<rows {
            let row = c + r * ldc
            for j in 0..<width { row[j] = f(SIMD8<Float>(repeating: row[j] + bias[j]))[0] }
        }
    }
}
