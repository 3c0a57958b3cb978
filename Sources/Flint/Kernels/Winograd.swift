// Winograd F(m×m, 3×3) convolution (m = 4, or 2 for small outputs) for 3×3, stride-1,
// undilated, ungrouped convolutions, with its exact gradients.
//
// The output is cut into m×m tiles; tile t reads an α×α input patch d_t (α = m + 2; neighbouring
// patches overlap by 2). With the transforms Bᵀ (α×α), G (α×3) and Aᵀ (m×α) of
// WinogradTransforms.swift, each output tile is y_t[o] = Aᵀ (Σ_c U[o,c] ⊙ V_t[c]) A with
// U = G w Gᵀ and V_t = Bᵀ d_t B (α×α each). For each of the α² positions ξ this is one GEMM,
// M[ξ] = U[ξ] · V[ξ] with U[ξ] of shape [Cout, Cin] and V[ξ] of shape [Cin, tiles]: α²·Cout·Cin
// multiply-adds per m×m outputs instead of 9·m²·Cout·Cin (2.25× fewer for m = 2, 4× for m = 4).
// The gradients are the adjoints of the same linear maps:
//   dM_t = A dy_t Aᵀ,  dU[ξ] = Σ_t dM[ξ] · V[ξ]ᵀ,  dw = Gᵀ dU G,
//   dV[ξ] = U[ξ]ᵀ · dM[ξ],  dx += B dV_t Bᵀ scattered back onto the overlapping patches.

/// Tile counts and buffer sizes of a Winograd F(m×m, 3×3) convolution.
struct WinogradPlan {
    let geometry: ConvolutionGeometry
    /// Output tile side m (2 or 4); input patches are α = m + 2 on a side.
    let tile: Int
    let tilesY: Int
    let tilesX: Int
    /// Images lowered together, so that each GEMM has about `targetTiles` columns.
    let chunkImages: Int

    static let targetTiles = 128

    /// Whether `g` is a convolution this path handles (and is worth it for).
    static func applies(to g: ConvolutionGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1
            && g.dilationY == 1 && g.dilationX == 1 && g.groups == 1
            && g.inputChannels >= 16 && g.outputChannels >= 16 && g.outputHeight >= 2 && g.outputWidth >= 2
    }

    /// Offset of each tile's top-left corner in the padded input plane (row stride `paddedWidth`).
    let inputOffsets: [Int32]
    /// Offset of each tile's top-left output in the (m·tilesY) × (m·tilesX) tiled plane.
    let outputOffsets: [Int32]

    init(_ g: ConvolutionGeometry, tile requested: Int? = nil) {
        geometry = g
        // 4×4 tiles need 1.78× fewer multiply-adds than 2×2 ones, but waste more on edge tiles.
        let waste4 = Double(((g.outputHeight + 3) / 4) * ((g.outputWidth + 3) / 4) * 36)
        let waste2 = Double(((g.outputHeight + 1) / 2) * ((g.outputWidth + 1) / 2) * 16)
        let m = requested ?? (waste4 <= 0.65 * waste2 ? 4 : 2)
        tile = m
        tilesY = (g.outputHeight + m - 1) / m
        tilesX = (g.outputWidth + m - 1) / m
        chunkImages = max(1, WinogradPlan.targetTiles / (tilesY * tilesX))
        var inputOffsets: [Int32] = [], outputOffsets: [Int32] = []
        for ty in 0..<tilesY {
            for tx in 0..<tilesX {
                inputOffsets.append(Int32(m * ty * (m * tilesX + 2) + m * tx))
                outputOffsets.append(Int32(m * ty * (m * tilesX) + m * tx))
            }
        }
        self.inputOffsets = inputOffsets
        self.outputOffsets = outputOffsets
    }

    /// Points per patch side, m + 2.
    var alpha: Int { tile + 2 }
    /// Transformed positions per tile, α² (one GEMM each).
    var positions: Int { alpha * alpha }
    var tilesPerImage: Int { tilesY * tilesX }
    var chunkTiles: Int { chunkImages * tilesPerImage }
    /// The distance between consecutive ξ matrices of `rows` rows × `tiles` columns. A power of two
    /// would put the streams of a transform in the same cache sets, so it is padded by 3 lines.
    @inline(__always)
    static func matrixStride(rows: Int, tiles: Int) -> Int { Workspace.aligned(rows * tiles) + 48 }
    /// Whether the tiles cover the output exactly: no cropping needed.
    var tilesCoverOutput: Bool { tile * tilesY == geometry.outputHeight && tile * tilesX == geometry.outputWidth }
    /// The (m·tilesY) × (m·tilesX) plane the tiles cover; its rows are `tiledWidth` apart.
    var tiledWidth: Int { tile * tilesX }
    var tiledOutputPlane: Int { tile * tilesY * tiledWidth }
    /// The zero-padded input plane covering every patch: (m·tilesY + 2) × (m·tilesX + 2).
    var paddedHeight: Int { tile * tilesY + 2 }
    var paddedWidth: Int { tile * tilesX + 2 }
    var paddedPlane: Int { paddedHeight * paddedWidth }
    /// The distance between the transformed weight matrices [Cout, Cin].
    var weightStride: Int { WinogradPlan.matrixStride(rows: geometry.outputChannels, tiles: geometry.inputChannels) }
    /// Floats of the α² transformed weight matrices.
    var weightFloats: Int { positions * weightStride }
    /// Floats of the per-position scratch rows of one plane's tiles.
    var scratchFloats: Int { Workspace.aligned(positions * tilesPerImage) }

    // Dispatch to the generated transforms of this tile size.

    func inputTransform(_ padded: UnsafePointer<Float>, offsets: UnsafePointer<Int32>, into v: UnsafeMutablePointer<Float>,
                        matrixStride ms: Int, scratch: UnsafeMutablePointer<Float>) {
        if tile == 2 {
            winogradF2InputTransform(padded, paddedWidth: paddedWidth, offsets: offsets, count: tilesPerImage, into: v,
                                     matrixStride: ms, scratch: scratch)
        } else {
            winogradF4InputTransform(padded, paddedWidth: paddedWidth, offsets: offsets, count: tilesPerImage, into: v,
                                     matrixStride: ms, scratch: scratch)
        }
    }

    func inputAdjoint(_ dv: UnsafePointer<Float>, matrixStride ms: Int, offsets: UnsafePointer<Int32>,
                      into padded: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        if tile == 2 {
            winogradF2InputAdjoint(dv, matrixStride: ms, offsets: offsets, count: tilesPerImage, into: padded,
                                   paddedWidth: paddedWidth, scratch: scratch)
        } else {
            winogradF4InputAdjoint(dv, matrixStride: ms, offsets: offsets, count: tilesPerImage, into: padded,
                                   paddedWidth: paddedWidth, scratch: scratch)
        }
    }

    func outputTransform(_ m: UnsafePointer<Float>, matrixStride ms: Int, offsets: UnsafePointer<Int32>, bias: Float,
                         into y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        if tile == 2 {
            winogradF2OutputTransform(m, matrixStride: ms, offsets: offsets, count: tilesPerImage, bias: bias, into: y,
                                      rowStride: tiledWidth, scratch: scratch)
        } else {
            winogradF4OutputTransform(m, matrixStride: ms, offsets: offsets, count: tilesPerImage, bias: bias, into: y,
                                      rowStride: tiledWidth, scratch: scratch)
        }
    }

    func outputAdjoint(_ dy: UnsafePointer<Float>, offsets: UnsafePointer<Int32>, into dm: UnsafeMutablePointer<Float>,
                       matrixStride ms: Int, scratch: UnsafeMutablePointer<Float>) {
        if tile == 2 {
            winogradF2OutputAdjoint(dy, rowStride: tiledWidth, offsets: offsets, count: tilesPerImage, into: dm,
                                    matrixStride: ms, scratch: scratch)
        } else {
            winogradF4OutputAdjoint(dy, rowStride: tiledWidth, offsets: offsets, count: tilesPerImage, into: dm,
                                    matrixStride: ms, scratch: scratch)
        }
    }

    func weightTransform(_ w: UnsafePointer<Float>, outputChannels range: Range<Int>, into u: UnsafeMutablePointer<Float>) {
        if tile == 2 {
            winogradF2WeightTransform(w, outputChannels: range, inputChannels: geometry.inputChannels, into: u,
                                      matrixStride: weightStride)
        } else {
            winogradF4WeightTransform(w, outputChannels: range, inputChannels: geometry.inputChannels, into: u,
                                      matrixStride: weightStride)
        }
    }

    func weightAdjoint(_ du: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>) {
        let pairs = geometry.outputChannels * geometry.inputChannels
        if tile == 2 {
            winogradF2WeightAdjoint(du, pairs: pairs, into: dw, matrixStride: weightStride)
        } else {
            winogradF4WeightAdjoint(du, pairs: pairs, into: dw, matrixStride: weightStride)
        }
    }
}

// MARK: - Padding

/// Copies an h×w plane into a zeroed `paddedHeight × paddedWidth` plane at offset (padding.0, padding.1).
@inline(__always)
private func padPlane(_ source: UnsafePointer<Float>, height h: Int, width w: Int, padding: (Int, Int),
                      into target: UnsafeMutablePointer<Float>, paddedHeight: Int, paddedWidth: Int) {
    let top = padding.0, left = padding.1
    let rows = min(h, paddedHeight - top), columns = min(w, paddedWidth - left)
    zeroFloats(target, top * paddedWidth)
    for r in 0..<rows {
        let row = target + (top + r) * paddedWidth
        zeroFloats(row, left)
        copyFloats(row + left, source + r * w, columns)
        zeroFloats(row + left + columns, paddedWidth - left - columns)
    }
    zeroFloats(target + (top + rows) * paddedWidth, (paddedHeight - top - rows) * paddedWidth)
}

// MARK: - Forward and backward passes

extension Tensor {
    /// U = G w Gᵀ for all channel pairs into `u` (α² matrices [Cout, Cin]), split across threads when large.
    private static func winogradWeights(_ plan: WinogradPlan, weight: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        let g = plan.geometry
        Parallel.forChunks(g.outputChannels, minimumChunk: max(1, 4096 / g.inputChannels)) { range in
            plan.weightTransform(weight, outputChannels: range, into: u)
        }
    }

    /// Runs `body(ξ)` for every position ξ, split across threads when `split` (one image chunk at
    /// a time: the GEMMs of different positions are independent).
    @inline(__always)
    private static func forEachPosition(_ positions: Int, split: Bool, _ body: (Int) -> Void) {
        if split {
            Parallel.forChunks(positions) { range in for xi in range { body(xi) } }
        } else {
            for xi in 0..<positions { body(xi) }
        }
    }

    /// The forward pass of conv2d by Winograd F(m×m, 3×3); `output` is NCHW, contiguous. With one
    /// task (a single image), `splitPositions` spreads each chunk's GEMMs over the threads instead.
    static func winogradForward(_ plan: WinogradPlan, tasks: Int, splitPositions: Bool, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let g = plan.geometry
        let cin = g.inputChannels, cout = g.outputChannels, tpi = plan.tilesPerImage, positions = plan.positions
        let transformedFloats = positions * WinogradPlan.matrixStride(rows: cin, tiles: plan.chunkTiles)
        let productFloats = positions * WinogradPlan.matrixStride(rows: cout, tiles: plan.chunkTiles)
        let paddedFloats = Workspace.aligned(plan.paddedPlane), tiledFloats = Workspace.aligned(plan.tiledOutputPlane)
        let perTask = transformedFloats + productFloats + paddedFloats + tiledFloats + plan.scratchFloats
        let exact = plan.tilesCoverOutput
        plan.inputOffsets.withUnsafeBufferPointer { inputOffsets in
        plan.outputOffsets.withUnsafeBufferPointer { outputOffsets in
        let inOffsets = inputOffsets.baseAddress!, outOffsets = outputOffsets.baseAddress!
        Workspace.with(count: 1, floats: plan.weightFloats) { shared in
            let u = shared[0].base
            winogradWeights(plan, weight: weight, into: u)
            Workspace.with(count: tasks, floats: perTask) { workspaces in
                Parallel.run(tasks: tasks) { t in
                    let v = workspaces[t].base, m = v + transformedFloats, padded = m + productFloats
                    let tiled = padded + paddedFloats, scratch = tiled + tiledFloats
                    let end = g.batch * (t + 1) / tasks
                    var start = g.batch * t / tasks
                    while start < end {
                        let images = min(plan.chunkImages, end - start)
                        let tiles = images * tpi
                        let vStride = WinogradPlan.matrixStride(rows: cin, tiles: tiles)
                        let mStride = WinogradPlan.matrixStride(rows: cout, tiles: tiles)
                        for b in 0..<images {
                            for c in 0..<cin {
                                padPlane(input + ((start + b) * cin + c) * g.inputPlane, height: g.height, width: g.width,
                                         padding: (g.paddingY, g.paddingX), into: padded,
                                         paddedHeight: plan.paddedHeight, paddedWidth: plan.paddedWidth)
                                plan.inputTransform(padded, offsets: inOffsets, into: v + c * tiles + b * tpi,
                                                    matrixStride: vStride, scratch: scratch)
                            }
                        }
                        forEachPosition(positions, split: splitPositions) { xi in
                            sgemm(u + xi * plan.weightStride, BLASOperand(transposed: false, leadingDimension: cin),
                                  v + xi * vStride, BLASOperand(transposed: false, leadingDimension: tiles),
                                  m + xi * mStride, ldc: tiles, m: cout, n: tiles, k: cin)
                        }
                        for b in 0..<images {
                            for o in 0..<cout {
                                let plane = output + ((start + b) * cout + o) * g.outputPlane
                                // Exact tiling: tiles land in the output directly; else in a plane to crop.
                                plan.outputTransform(m + o * tiles + b * tpi, matrixStride: mStride, offsets: outOffsets,
                                                     bias: bias?[o] ?? 0, into: exact ? plane : tiled, scratch: scratch)
                                if !exact {
                                    for r in 0..<g.outputHeight {
                                        copyFloats(plane + r * g.outputWidth, tiled + r * plan.tiledWidth, g.outputWidth)
                                    }
                                }
                            }
                        }
                        start += images
                    }
                }
            }
        }
        }
        }
    }

    /// The input, weight and bias gradients of conv2d by Winograd F(m×m, 3×3) (each only when asked).
    static func winogradBackward(_ plan: WinogradPlan, tasks: Int, splitPositions: Bool, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                 outputGradient dy: UnsafePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?,
                                 weightGradient dw: UnsafeMutablePointer<Float>?, biasGradient db: UnsafeMutablePointer<Float>?) {
        let g = plan.geometry
        let cin = g.inputChannels, cout = g.outputChannels, tpi = plan.tilesPerImage, positions = plan.positions
        let transformedFloats = positions * WinogradPlan.matrixStride(rows: cin, tiles: plan.chunkTiles)
        let productFloats = positions * WinogradPlan.matrixStride(rows: cout, tiles: plan.chunkTiles)
        let paddedFloats = Workspace.aligned(plan.paddedPlane), tiledFloats = Workspace.aligned(plan.tiledOutputPlane)
        let weightAccumulatorFloats = dw != nil ? plan.weightFloats : 0
        let biasAccumulatorFloats = db != nil ? Workspace.aligned(cout) : 0
        let accumulatorOffset = transformedFloats + productFloats + paddedFloats + tiledFloats + plan.scratchFloats
        let perTask = accumulatorOffset + weightAccumulatorFloats + biasAccumulatorFloats
        let exact = plan.tilesCoverOutput
        plan.inputOffsets.withUnsafeBufferPointer { inputOffsets in
        plan.outputOffsets.withUnsafeBufferPointer { outputOffsets in
        let inOffsets = inputOffsets.baseAddress!, outOffsets = outputOffsets.baseAddress!
        Workspace.with(count: 1, floats: plan.weightFloats) { shared in
            let u = shared[0].base
            if dx != nil { winogradWeights(plan, weight: weight, into: u) }
            Workspace.with(count: tasks, floats: perTask) { workspaces in
                Parallel.run(tasks: tasks) { t in
                    let v = workspaces[t].base, m = v + transformedFloats, padded = m + productFloats
                    let tiled = padded + paddedFloats, scratch = tiled + tiledFloats
                    let du = v + accumulatorOffset, dbPartial = du + weightAccumulatorFloats
                    if db != nil { zeroFloats(dbPartial, cout) }
                    // Inexact tiling: the output gradient is read through a zero-padded tiled plane.
                    if !exact { zeroFloats(tiled, plan.tiledOutputPlane) }
                    let end = g.batch * (t + 1) / tasks
                    var start = g.batch * t / tasks
                    var first = true
                    while start < end {
                        let images = min(plan.chunkImages, end - start)
                        let tiles = images * tpi
                        let vStride = WinogradPlan.matrixStride(rows: cin, tiles: tiles)
                        let mStride = WinogradPlan.matrixStride(rows: cout, tiles: tiles)
                        // dM = A dy Aᵀ per tile (unless only the bias gradient is wanted).
                        for b in 0..<images where dw != nil || dx != nil {
                            for o in 0..<cout {
                                let plane = dy + ((start + b) * cout + o) * g.outputPlane
                                if !exact {
                                    for r in 0..<g.outputHeight {
                                        copyFloats(tiled + r * plan.tiledWidth, plane + r * g.outputWidth, g.outputWidth)
                                    }
                                }
                                plan.outputAdjoint(exact ? plane : UnsafePointer(tiled), offsets: outOffsets,
                                                   into: m + o * tiles + b * tpi, matrixStride: mStride, scratch: scratch)
                            }
                        }
                        if db != nil {
                            for b in 0..<images {
                                for o in 0..<cout {
                                    dbPartial[o] += sumContiguous(dy + ((start + b) * cout + o) * g.outputPlane, g.outputPlane)
                                }
                            }
                        }
                        if dw != nil {
                            // V = Bᵀ d B, then dU[ξ] (+)= dM[ξ] · V[ξ]ᵀ.
                            for b in 0..<images {
                                for c in 0..<cin {
                                    padPlane(input + ((start + b) * cin + c) * g.inputPlane, height: g.height, width: g.width,
                                             padding: (g.paddingY, g.paddingX), into: padded,
                                             paddedHeight: plan.paddedHeight, paddedWidth: plan.paddedWidth)
                                    plan.inputTransform(padded, offsets: inOffsets, into: v + c * tiles + b * tpi,
                                                        matrixStride: vStride, scratch: scratch)
                                }
                            }
                            forEachPosition(positions, split: splitPositions) { xi in
                                sgemm(m + xi * mStride, BLASOperand(transposed: false, leadingDimension: tiles),
                                      v + xi * vStride, BLASOperand(transposed: true, leadingDimension: tiles),
                                      du + xi * plan.weightStride, ldc: cin, m: cout, n: cin, k: tiles, beta: first ? 0 : 1)
                            }
                        }
                        if let dx {
                            // dV[ξ] = U[ξ]ᵀ · dM[ξ] (into V's buffer), then dx = crop(Σ_t B dV_t Bᵀ).
                            forEachPosition(positions, split: splitPositions) { xi in
                                sgemm(u + xi * plan.weightStride, BLASOperand(transposed: true, leadingDimension: cin),
                                      m + xi * mStride, BLASOperand(transposed: false, leadingDimension: tiles),
                                      v + xi * vStride, ldc: tiles, m: cin, n: tiles, k: cout)
                            }
                            for b in 0..<images {
                                for c in 0..<cin {
                                    zeroFloats(padded, plan.paddedPlane)
                                    plan.inputAdjoint(v + c * tiles + b * tpi, matrixStride: vStride, offsets: inOffsets,
                                                      into: padded, scratch: scratch)
                                    // The padded plane holds the input at (paddingY, paddingX).
                                    let target = dx + ((start + b) * cin + c) * g.inputPlane
                                    for r in 0..<g.height {
                                        copyFloats(target + r * g.width,
                                                   padded + (r + g.paddingY) * plan.paddedWidth + g.paddingX, g.width)
                                    }
                                }
                            }
                        }
                        first = false
                        start += images
                    }
                }
                // Reduce the partial sums in task order (deterministic), then dw = Gᵀ dU G.
                let du0 = workspaces[0].base + accumulatorOffset
                for t in 1..<tasks {
                    let other = workspaces[t].base + accumulatorOffset
                    if dw != nil { accumulateFloats(du0, other, plan.weightFloats) }
                    if db != nil { accumulateFloats(du0 + weightAccumulatorFloats, other + weightAccumulatorFloats, cout) }
                }
                if let dw { plan.weightAdjoint(du0, into: dw) }
                if let db { copyFloats(db, du0 + weightAccumulatorFloats, cout) }
            }
        }
        }
        }
    }
}
