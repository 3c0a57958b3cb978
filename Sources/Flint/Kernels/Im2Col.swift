#if canImport(Glibc)
import Glibc
#endif
import Synchronization

// Lowering convolution windows to a matrix ("im2col") and scattering it back ("col2im"), plus the
// grow-only float workspaces the convolution kernels keep them in.

/// The sizes of one 2-D convolution: input [N, Cin, H, W], weight [Cout, Cin/groups, kH, kW],
/// output [N, Cout, Ho, Wo] with Ho = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1.
struct ConvolutionGeometry {
    let batch: Int
    let inputChannels: Int
    let height: Int
    let width: Int
    let outputChannels: Int
    let kernelHeight: Int
    let kernelWidth: Int
    let strideY: Int
    let strideX: Int
    let paddingY: Int
    let paddingX: Int
    let dilationY: Int
    let dilationX: Int
    let groups: Int
    let outputHeight: Int
    let outputWidth: Int

    /// Input channels seen by one group.
    var groupInputChannels: Int { inputChannels / groups }
    /// Output channels produced by one group.
    var groupOutputChannels: Int { outputChannels / groups }
    /// Rows of one group's column matrix: Cin/groups · kH · kW (the GEMM reduction length).
    var columnRows: Int { groupInputChannels * kernelHeight * kernelWidth }
    /// Columns of the column matrix: one per output position, Ho · Wo.
    var outputPlane: Int { outputHeight * outputWidth }
    /// Elements of one input channel plane, H · W.
    var inputPlane: Int { height * width }
    /// A 1×1 kernel with stride 1 and no padding: the input plane already is the column matrix.
    var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideY == 1 && strideX == 1 && paddingY == 0 && paddingX == 0
    }
    /// Multiply-adds of the forward pass over the whole batch.
    var multiplyAdds: Int { batch * outputChannels * columnRows * outputPlane }

    /// The output positions `o` in `0..<count` whose input coordinate `o·stride + offset` falls in
    /// `0..<size`, as a half-open range.
    @inline(__always)
    static func validRange(offset: Int, stride: Int, size: Int, count: Int) -> (Int, Int) {
        let first = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let end = size - offset <= 0 ? 0 : (size - offset + stride - 1) / stride
        let lower = min(first, count)
        return (lower, max(lower, min(end, count)))
    }
}

@inline(__always)
func zeroFloats(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    while i + 8 <= n { storeVector(SIMD8<Float>(), p + i); i += 8 }
    while i < n { p[i] = 0; i += 1 }
}

@inline(__always)
func copyFloats(_ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    while i + 16 <= n {
        storeVector(loadVector(source + i), destination + i)
        storeVector(loadVector(source + i + 8), destination + i + 8)
        i += 16
    }
    while i + 8 <= n { storeVector(loadVector(source + i), destination + i); i += 8 }
    while i < n { destination[i] = source[i]; i += 1 }
}

/// destination[i] += source[i] for i in 0..<n.
@inline(__always)
func accumulateFloats(_ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    while i + 16 <= n {
        storeVector(loadVector(destination + i) + loadVector(source + i), destination + i)
        storeVector(loadVector(destination + i + 8) + loadVector(source + i + 8), destination + i + 8)
        i += 16
    }
    while i + 8 <= n { storeVector(loadVector(destination + i) + loadVector(source + i), destination + i); i += 8 }
    while i < n { destination[i] += source[i]; i += 1 }
}

/// Writes the column matrix of `channels` input planes (starting at `input`) into `columns`:
/// row r = (c·kH + ki)·kW + kj, column o = oy·Wo + ox holds x[c, oy·sy − py + ki·dy, ox·sx − px + kj·dx],
/// or 0 where that falls in the padding. `columns` holds channels·kH·kW × Ho·Wo floats.
func im2col(_ input: UnsafePointer<Float>, channels: Int, _ g: ConvolutionGeometry,
            into columns: UnsafeMutablePointer<Float>) {
    let h = g.height, w = g.width, ho = g.outputHeight, wo = g.outputWidth
    let plane = g.inputPlane, outPlane = g.outputPlane
    // With stride 1 along x and Wo == W, shifting a kernel tap is a constant offset of the
    // flattened index: the valid rows copy as one block, then the wrapped edge columns are zeroed.
    let blockCopy = g.strideX == 1 && wo == w
    var row = columns
    for c in 0..<channels {
        let source = input + c * plane
        for ki in 0..<g.kernelHeight {
            let yOffset = ki * g.dilationY - g.paddingY
            let (oy0, oy1) = ConvolutionGeometry.validRange(offset: yOffset, stride: g.strideY, size: h, count: ho)
            for kj in 0..<g.kernelWidth {
                let xOffset = kj * g.dilationX - g.paddingX
                let (ox0, ox1) = ConvolutionGeometry.validRange(offset: xOffset, stride: g.strideX, size: w, count: wo)
                zeroFloats(row, oy0 * wo)
                zeroFloats(row + oy1 * wo, (ho - oy1) * wo)
                if oy0 < oy1 {
                    if blockCopy && g.strideY == 1 {
                        if ox0 < ox1 {
                            // dst[j] = src[j + shift] from the first to the last valid element.
                            let start = oy0 * wo + ox0, end = (oy1 - 1) * wo + ox1
                            let shift = yOffset * w + xOffset
                            copyFloats(row + start, source + start + shift, end - start)
                        }
                        if ox0 > 0 || ox1 < wo {
                            for oy in oy0..<oy1 {
                                let d = row + oy * wo
                                for ox in 0..<ox0 { d[ox] = 0 }
                                for ox in ox1..<wo { d[ox] = 0 }
                            }
                        }
                    } else {
                        for oy in oy0..<oy1 {
                            let d = row + oy * wo
                            let s = source + (oy * g.strideY + yOffset) * w + xOffset
                            for ox in 0..<ox0 { d[ox] = 0 }
                            if g.strideX == 1 {
                                copyFloats(d + ox0, s + ox0, ox1 - ox0)
                            } else {
                                let sx = g.strideX
                                for ox in ox0..<ox1 { d[ox] = s[ox * sx] }
                            }
                            for ox in ox1..<wo { d[ox] = 0 }
                        }
                    }
                }
                row += outPlane
            }
        }
    }
}

/// The adjoint of ``im2col``: adds every column entry back onto the input position it was read
/// from (`gradient` must be initialised; padding entries are dropped). The column matrix is used
/// as scratch: its padding entries may be overwritten.
func col2im(_ columns: UnsafeMutablePointer<Float>, channels: Int, _ g: ConvolutionGeometry,
            into gradient: UnsafeMutablePointer<Float>) {
    let h = g.height, w = g.width, ho = g.outputHeight, wo = g.outputWidth
    let plane = g.inputPlane, outPlane = g.outputPlane
    let blockCopy = g.strideX == 1 && wo == w
    var row = columns
    for c in 0..<channels {
        let target = gradient + c * plane
        for ki in 0..<g.kernelHeight {
            let yOffset = ki * g.dilationY - g.paddingY
            let (oy0, oy1) = ConvolutionGeometry.validRange(offset: yOffset, stride: g.strideY, size: h, count: ho)
            for kj in 0..<g.kernelWidth {
                let xOffset = kj * g.dilationX - g.paddingX
                let (ox0, ox1) = ConvolutionGeometry.validRange(offset: xOffset, stride: g.strideX, size: w, count: wo)
                if oy0 < oy1 && ox0 < ox1 {
                    if blockCopy && g.strideY == 1 {
                        // Zero the entries that would wrap onto the neighbouring row, then add the block.
                        if ox0 > 0 || ox1 < wo {
                            for oy in oy0..<oy1 {
                                let d = row + oy * wo
                                for ox in 0..<ox0 { d[ox] = 0 }
                                for ox in ox1..<wo { d[ox] = 0 }
                            }
                        }
                        let start = oy0 * wo + ox0, end = (oy1 - 1) * wo + ox1
                        let shift = yOffset * w + xOffset
                        accumulateFloats(target + start + shift, row + start, end - start)
                    } else {
                        for oy in oy0..<oy1 {
                            let s = row + oy * wo
                            let d = target + (oy * g.strideY + yOffset) * w + xOffset
                            if g.strideX == 1 {
                                accumulateFloats(d + ox0, s + ox0, ox1 - ox0)
                            } else {
                                let sx = g.strideX
                                for ox in ox0..<ox1 { d[ox * sx] += s[ox] }
                            }
                        }
                    }
                }
                row += outPlane
            }
        }
    }
}

// MARK: - Workspaces

/// A grow-only, 64-byte aligned float buffer that a kernel borrows from ``Workspace/pool``.
final class Workspace: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    /// Buffers above this many floats are freed when returned instead of being kept.
    static let retainedLimit = 16 << 20
    /// Free workspaces, reused by later kernel calls on any thread.
    static let pool = Mutex<[Workspace]>([])

    private init() {
        capacity = 0
        base = Workspace.allocate(16)
    }

    deinit { free(base) }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        var pointer: UnsafeMutableRawPointer? = nil
        let status = posix_memalign(&pointer, 64, max(count, 16) * 4)
        require(status == 0 && pointer != nil, "Workspace: cannot allocate \(count) floats")
        return pointer!.assumingMemoryBound(to: Float.self)
    }

    /// Makes room for at least `count` floats (old contents are not kept).
    func reserve(_ count: Int) {
        if count <= capacity { return }
        free(base)
        base = Workspace.allocate(count)
        capacity = count
    }

    /// Rounds a float count up to whole 64-byte lines, for carving one workspace into regions.
    @inline(__always)
    static func aligned(_ count: Int) -> Int { (count + 15) & ~15 }

    /// Lends `count` workspaces, each holding at least `floats` floats, for the duration of `body`.
    static func with<R>(count: Int, floats: Int, _ body: ([Workspace]) -> R) -> R {
        var borrowed: [Workspace] = pool.withLock { free in
            var taken: [Workspace] = []
            while taken.count < count, let w = free.popLast() { taken.append(w) }
            return taken
        }
        while borrowed.count < count { borrowed.append(Workspace()) }
        for w in borrowed { w.reserve(floats) }
        let result = body(borrowed)
        pool.withLock { free in
            for w in borrowed where w.capacity <= retainedLimit && free.count < 8 { free.append(w) }
        }
        return result
    }
}
