// Winograd F(2×2, 3×3) convolution for 3×3, stride-1, undilated, ungrouped convolutions, with its
// exact gradients.
//
// The output is cut into 2×2 tiles; tile t reads a 4×4 input patch d_t (neighbouring patches
// overlap by 2). With the transforms
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1],
// each output tile is y_t[o] = Aᵀ (Σ_c U[o,c] ⊙ V_t[c]) A with U = G w Gᵀ and V_t = Bᵀ d_t B (4×4 each).
// For each of the 16 positions ξ of the 4×4 products this is one GEMM, M[ξ] = U[ξ] · V[ξ] with
// U[ξ] of shape [Cout, Cin] and V[ξ] of shape [Cin, tiles]: 16·Cout·Cin multiply-adds per 2×2
// outputs instead of 36·Cout·Cin. The gradients are the adjoints of the same linear maps:
//   dM_t = A dy_t Aᵀ,  dU[ξ] = Σ_t dM[ξ] · V[ξ]ᵀ,  dw = Gᵀ dU G,
//   dV[ξ] = U[ξ]ᵀ · dM[ξ],  dx += B dV_t Bᵀ scattered back onto the overlapping patches.

/// Tile counts and buffer sizes of a Winograd F(2×2, 3×3) convolution.
struct WinogradPlan {
    let geometry: ConvolutionGeometry
    let tilesY: Int
    let tilesX: Int
    /// Images lowered together, so that each GEMM has about `targetTiles` columns.
    let chunkImages: Int

    static let targetTiles = 256

    /// Whether `g` is a convolution this path handles (and is worth it for).
    static func applies(to g: ConvolutionGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1
            && g.dilationY == 1 && g.dilationX == 1 && g.groups == 1
            && g.inputChannels >= 16 && g.outputChannels >= 16 && g.outputHeight >= 2 && g.outputWidth >= 2
    }

    init(_ g: ConvolutionGeometry) {
        geometry = g
        tilesY = (g.outputHeight + 1) / 2
        tilesX = (g.outputWidth + 1) / 2
        chunkImages = max(1, WinogradPlan.targetTiles / (tilesY * tilesX))
    }

    var tilesPerImage: Int { tilesY * tilesX }
    var chunkTiles: Int { chunkImages * tilesPerImage }
    /// The zero-padded input plane covering every tile: (2·tilesY + 2) × (2·tilesX + 2).
    var paddedHeight: Int { 2 * tilesY + 2 }
    var paddedWidth: Int { 2 * tilesX + 2 }
    var paddedPlane: Int { paddedHeight * paddedWidth }
    /// Floats of the 16 transformed weight matrices [16, Cout, Cin].
    var weightFloats: Int { 16 * geometry.outputChannels * geometry.inputChannels }
}

// MARK: - The four-point transforms

/// Bᵀ · (a, b, c, d)
@inline(__always)
private func inputPoints(_ a: Float, _ b: Float, _ c: Float, _ d: Float) -> (Float, Float, Float, Float) {
    (a - c, b + c, c - b, b - d)
}

/// B · (a, b, c, d)
@inline(__always)
private func inputAdjointPoints(_ a: Float, _ b: Float, _ c: Float, _ d: Float) -> (Float, Float, Float, Float) {
    (a, b - c + d, b + c - a, -d)
}

/// Aᵀ · (a, b, c, d)
@inline(__always)
private func outputPoints(_ a: Float, _ b: Float, _ c: Float, _ d: Float) -> (Float, Float) {
    (a + b + c, b - c - d)
}

/// A · (a, b)
@inline(__always)
private func outputAdjointPoints(_ a: Float, _ b: Float) -> (Float, Float, Float, Float) {
    (a, a + b, a - b, -b)
}

/// G · (a, b, c)
@inline(__always)
private func weightPoints(_ a: Float, _ b: Float, _ c: Float) -> (Float, Float, Float, Float) {
    (a, 0.5 * (a + b + c), 0.5 * (a - b + c), c)
}

/// Gᵀ · (a, b, c, d)
@inline(__always)
private func weightAdjointPoints(_ a: Float, _ b: Float, _ c: Float, _ d: Float) -> (Float, Float, Float) {
    (a + 0.5 * (b + c), 0.5 * (b - c), 0.5 * (b + c) + d)
}

// MARK: - Plane transforms

/// U[ξ][o][c] = (G w[o, c] Gᵀ)[ξ] for output channels `range`; `u` holds [16, Cout, Cin].
private func winogradWeightTransform(_ w: UnsafePointer<Float>, outputChannels range: Range<Int>, inputChannels: Int,
                                     outputChannelCount: Int, into u: UnsafeMutablePointer<Float>) {
    let stride = outputChannelCount * inputChannels
    for o in range {
        for c in 0..<inputChannels {
            let k = w + (o * inputChannels + c) * 9
            // G down each of the 3 columns gives the 4×3 matrix G·w (row i = (cj.i)); then G along each row.
            let c0 = weightPoints(k[0], k[3], k[6]), c1 = weightPoints(k[1], k[4], k[7]), c2 = weightPoints(k[2], k[5], k[8])
            let r0 = weightPoints(c0.0, c1.0, c2.0), r1 = weightPoints(c0.1, c1.1, c2.1)
            let r2 = weightPoints(c0.2, c1.2, c2.2), r3 = weightPoints(c0.3, c1.3, c2.3)
            let target = u + o * inputChannels + c
            target[0] = r0.0; target[stride] = r0.1; target[2 * stride] = r0.2; target[3 * stride] = r0.3
            target[4 * stride] = r1.0; target[5 * stride] = r1.1; target[6 * stride] = r1.2; target[7 * stride] = r1.3
            target[8 * stride] = r2.0; target[9 * stride] = r2.1; target[10 * stride] = r2.2; target[11 * stride] = r2.3
            target[12 * stride] = r3.0; target[13 * stride] = r3.1; target[14 * stride] = r3.2; target[15 * stride] = r3.3
        }
    }
}

/// dw[o, c] = Gᵀ dU[o, c] G for every channel pair; `du` holds [16, Cout, Cin].
private func winogradWeightAdjoint(_ du: UnsafePointer<Float>, outputChannels: Int, inputChannels: Int,
                                   into dw: UnsafeMutablePointer<Float>) {
    let stride = outputChannels * inputChannels
    for pair in 0..<stride {
        let s = du + pair
        // Gᵀ along each of the 4 rows (ξ = 4i ..< 4i + 4) gives 4×3, then Gᵀ down each of the 3 columns.
        let r0 = weightAdjointPoints(s[0], s[stride], s[2 * stride], s[3 * stride])
        let r1 = weightAdjointPoints(s[4 * stride], s[5 * stride], s[6 * stride], s[7 * stride])
        let r2 = weightAdjointPoints(s[8 * stride], s[9 * stride], s[10 * stride], s[11 * stride])
        let r3 = weightAdjointPoints(s[12 * stride], s[13 * stride], s[14 * stride], s[15 * stride])
        let k = dw + pair * 9
        let q0 = weightAdjointPoints(r0.0, r1.0, r2.0, r3.0)
        let q1 = weightAdjointPoints(r0.1, r1.1, r2.1, r3.1)
        let q2 = weightAdjointPoints(r0.2, r1.2, r2.2, r3.2)
        k[0] = q0.0; k[3] = q0.1; k[6] = q0.2
        k[1] = q1.0; k[4] = q1.1; k[7] = q1.2
        k[2] = q2.0; k[5] = q2.1; k[8] = q2.2
    }
}

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

/// V[ξ][t] = (Bᵀ d_t B)[ξ] for every tile of one padded plane; `v` points at tile 0 of this plane
/// in matrix ξ = 0, and matrix ξ starts `matrixStride` floats after matrix ξ − 1.
private func winogradInputTransform(_ padded: UnsafePointer<Float>, paddedWidth pw: Int, tilesY: Int, tilesX: Int,
                                    into v: UnsafeMutablePointer<Float>, matrixStride ms: Int) {
    for ty in 0..<tilesY {
        let r0 = padded + 2 * ty * pw, r1 = r0 + pw, r2 = r1 + pw, r3 = r2 + pw
        let out = v + ty * tilesX
        for tx in 0..<tilesX {
            let x = 2 * tx
            // Bᵀ down each column.
            let c0 = inputPoints(r0[x], r1[x], r2[x], r3[x])
            let c1 = inputPoints(r0[x + 1], r1[x + 1], r2[x + 1], r3[x + 1])
            let c2 = inputPoints(r0[x + 2], r1[x + 2], r2[x + 2], r3[x + 2])
            let c3 = inputPoints(r0[x + 3], r1[x + 3], r2[x + 3], r3[x + 3])
            // B along each row.
            let q0 = inputPoints(c0.0, c1.0, c2.0, c3.0)
            let q1 = inputPoints(c0.1, c1.1, c2.1, c3.1)
            let q2 = inputPoints(c0.2, c1.2, c2.2, c3.2)
            let q3 = inputPoints(c0.3, c1.3, c2.3, c3.3)
            let o = out + tx
            o[0] = q0.0; o[ms] = q0.1; o[2 * ms] = q0.2; o[3 * ms] = q0.3
            o[4 * ms] = q1.0; o[5 * ms] = q1.1; o[6 * ms] = q1.2; o[7 * ms] = q1.3
            o[8 * ms] = q2.0; o[9 * ms] = q2.1; o[10 * ms] = q2.2; o[11 * ms] = q2.3
            o[12 * ms] = q3.0; o[13 * ms] = q3.1; o[14 * ms] = q3.2; o[15 * ms] = q3.3
        }
    }
}

/// Adds B dV_t Bᵀ of every tile onto a padded gradient plane (tiles overlap, so this accumulates).
private func winogradInputAdjoint(_ dv: UnsafePointer<Float>, matrixStride ms: Int, tilesY: Int, tilesX: Int,
                                  into padded: UnsafeMutablePointer<Float>, paddedWidth pw: Int) {
    for ty in 0..<tilesY {
        let r0 = padded + 2 * ty * pw, r1 = r0 + pw, r2 = r1 + pw, r3 = r2 + pw
        let source = dv + ty * tilesX
        for tx in 0..<tilesX {
            let s = source + tx
            // B along each row i of dV (row i holds ξ = 4i ..< 4i + 4).
            let q0 = inputAdjointPoints(s[0], s[ms], s[2 * ms], s[3 * ms])
            let q1 = inputAdjointPoints(s[4 * ms], s[5 * ms], s[6 * ms], s[7 * ms])
            let q2 = inputAdjointPoints(s[8 * ms], s[9 * ms], s[10 * ms], s[11 * ms])
            let q3 = inputAdjointPoints(s[12 * ms], s[13 * ms], s[14 * ms], s[15 * ms])
            // B down each column j.
            let c0 = inputAdjointPoints(q0.0, q1.0, q2.0, q3.0)
            let c1 = inputAdjointPoints(q0.1, q1.1, q2.1, q3.1)
            let c2 = inputAdjointPoints(q0.2, q1.2, q2.2, q3.2)
            let c3 = inputAdjointPoints(q0.3, q1.3, q2.3, q3.3)
            let x = 2 * tx
            r0[x] += c0.0; r0[x + 1] += c1.0; r0[x + 2] += c2.0; r0[x + 3] += c3.0
            r1[x] += c0.1; r1[x + 1] += c1.1; r1[x + 2] += c2.1; r1[x + 3] += c3.1
            r2[x] += c0.2; r2[x + 1] += c1.2; r2[x + 2] += c2.2; r2[x + 3] += c3.2
            r3[x] += c0.3; r3[x + 1] += c1.3; r3[x + 2] += c2.3; r3[x + 3] += c3.3
        }
    }
}

/// y = Aᵀ m_t A + bias for every tile of one output plane (ho × wo), dropping the positions of
/// edge tiles that fall outside it.
private func winogradOutputTransform(_ m: UnsafePointer<Float>, matrixStride ms: Int, tilesY: Int, tilesX: Int,
                                     bias: Float, into y: UnsafeMutablePointer<Float>, height ho: Int, width wo: Int) {
    let fullX = wo / 2
    for ty in 0..<tilesY {
        let y0 = y + 2 * ty * wo
        let y1 = 2 * ty + 1 < ho ? y0 + wo : y0
        let source = m + ty * tilesX
        for tx in 0..<tilesX {
            let s = source + tx
            // Aᵀ down each column j, then A along the two rows.
            let c0 = outputPoints(s[0], s[4 * ms], s[8 * ms], s[12 * ms])
            let c1 = outputPoints(s[ms], s[5 * ms], s[9 * ms], s[13 * ms])
            let c2 = outputPoints(s[2 * ms], s[6 * ms], s[10 * ms], s[14 * ms])
            let c3 = outputPoints(s[3 * ms], s[7 * ms], s[11 * ms], s[15 * ms])
            let top = outputPoints(c0.0, c1.0, c2.0, c3.0)
            let bottom = outputPoints(c0.1, c1.1, c2.1, c3.1)
            let x = 2 * tx
            // Row 1 is written first so that, on a last odd row (y1 == y0), row 0 wins.
            if tx < fullX {
                y1[x] = bottom.0 + bias; y1[x + 1] = bottom.1 + bias
                y0[x] = top.0 + bias; y0[x + 1] = top.1 + bias
            } else {
                y1[x] = bottom.0 + bias
                y0[x] = top.0 + bias
            }
        }
    }
}

/// dM_t = A dy_t Aᵀ for every tile of one output-gradient plane (positions outside it count as 0).
private func winogradOutputAdjoint(_ dy: UnsafePointer<Float>, height ho: Int, width wo: Int, tilesY: Int, tilesX: Int,
                                   into dm: UnsafeMutablePointer<Float>, matrixStride ms: Int) {
    for ty in 0..<tilesY {
        let g0 = dy + 2 * ty * wo
        let hasSecondRow = 2 * ty + 1 < ho
        let out = dm + ty * tilesX
        for tx in 0..<tilesX {
            let x = 2 * tx
            let hasSecondColumn = x + 1 < wo
            let a00 = g0[x], a01 = hasSecondColumn ? g0[x + 1] : 0
            let a10 = hasSecondRow ? g0[wo + x] : 0
            let a11 = hasSecondRow && hasSecondColumn ? g0[wo + x + 1] : 0
            // A down each column b, then along each row i.
            let e0 = outputAdjointPoints(a00, a10), e1 = outputAdjointPoints(a01, a11)
            let q0 = outputAdjointPoints(e0.0, e1.0), q1 = outputAdjointPoints(e0.1, e1.1)
            let q2 = outputAdjointPoints(e0.2, e1.2), q3 = outputAdjointPoints(e0.3, e1.3)
            let o = out + tx
            o[0] = q0.0; o[ms] = q0.1; o[2 * ms] = q0.2; o[3 * ms] = q0.3
            o[4 * ms] = q1.0; o[5 * ms] = q1.1; o[6 * ms] = q1.2; o[7 * ms] = q1.3
            o[8 * ms] = q2.0; o[9 * ms] = q2.1; o[10 * ms] = q2.2; o[11 * ms] = q2.3
            o[12 * ms] = q3.0; o[13 * ms] = q3.1; o[14 * ms] = q3.2; o[15 * ms] = q3.3
        }
    }
}

// MARK: - Forward and backward passes

extension Tensor {
    /// U = G w Gᵀ for all channel pairs into `u` ([16, Cout, Cin]), split across threads when large.
    private static func winogradWeights(_ plan: WinogradPlan, weight: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        let g = plan.geometry
        Parallel.forChunks(g.outputChannels, minimumChunk: max(1, 4096 / g.inputChannels)) { range in
            winogradWeightTransform(weight, outputChannels: range, inputChannels: g.inputChannels,
                                    outputChannelCount: g.outputChannels, into: u)
        }
    }

    /// The forward pass of conv2d by Winograd F(2×2, 3×3); `output` is NCHW, contiguous.
    static func winogradForward(_ plan: WinogradPlan, tasks: Int, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let g = plan.geometry
        let cin = g.inputChannels, cout = g.outputChannels
        let transformedFloats = Workspace.aligned(16 * cin * plan.chunkTiles)
        let productFloats = Workspace.aligned(16 * cout * plan.chunkTiles)
        Workspace.with(count: 1, floats: plan.weightFloats) { shared in
            let u = shared[0].base
            winogradWeights(plan, weight: weight, into: u)
            Workspace.with(count: tasks, floats: transformedFloats + productFloats + plan.paddedPlane) { workspaces in
                Parallel.run(tasks: tasks) { t in
                    let v = workspaces[t].base, m = v + transformedFloats, padded = m + productFloats
                    let end = g.batch * (t + 1) / tasks
                    var start = g.batch * t / tasks
                    while start < end {
                        let images = min(plan.chunkImages, end - start)
                        let tiles = images * plan.tilesPerImage
                        let vStride = cin * tiles, mStride = cout * tiles
                        for b in 0..<images {
                            for c in 0..<cin {
                                padPlane(input + ((start + b) * cin + c) * g.inputPlane, height: g.height, width: g.width,
                                         padding: (g.paddingY, g.paddingX), into: padded,
                                         paddedHeight: plan.paddedHeight, paddedWidth: plan.paddedWidth)
                                winogradInputTransform(padded, paddedWidth: plan.paddedWidth, tilesY: plan.tilesY,
                                                       tilesX: plan.tilesX, into: v + c * tiles + b * plan.tilesPerImage,
                                                       matrixStride: vStride)
                            }
                        }
                        for xi in 0..<16 {
                            sgemm(u + xi * cout * cin, BLASOperand(transposed: false, leadingDimension: cin),
                                  v + xi * vStride, BLASOperand(transposed: false, leadingDimension: tiles),
                                  m + xi * mStride, ldc: tiles, m: cout, n: tiles, k: cin)
                        }
                        for b in 0..<images {
                            for o in 0..<cout {
                                winogradOutputTransform(m + o * tiles + b * plan.tilesPerImage, matrixStride: mStride,
                                                        tilesY: plan.tilesY, tilesX: plan.tilesX, bias: bias?[o] ?? 0,
                                                        into: output + ((start + b) * cout + o) * g.outputPlane,
                                                        height: g.outputHeight, width: g.outputWidth)
                            }
                        }
                        start += images
                    }
                }
            }
        }
    }

    /// The input, weight and bias gradients of conv2d by Winograd F(2×2, 3×3) (each only when asked).
    static func winogradBackward(_ plan: WinogradPlan, tasks: Int, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                 outputGradient dy: UnsafePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?,
                                 weightGradient dw: UnsafeMutablePointer<Float>?, biasGradient db: UnsafeMutablePointer<Float>?) {
        let g = plan.geometry
        let cin = g.inputChannels, cout = g.outputChannels
        let transformedFloats = Workspace.aligned(16 * cin * plan.chunkTiles)
        let productFloats = Workspace.aligned(16 * cout * plan.chunkTiles)
        let weightAccumulatorFloats = dw != nil ? Workspace.aligned(plan.weightFloats) : 0
        let biasAccumulatorFloats = db != nil ? Workspace.aligned(cout) : 0
        let perTask = transformedFloats + productFloats + Workspace.aligned(plan.paddedPlane)
            + weightAccumulatorFloats + biasAccumulatorFloats
        Workspace.with(count: 1, floats: plan.weightFloats) { shared in
            let u = shared[0].base
            if dx != nil { winogradWeights(plan, weight: weight, into: u) }
            Workspace.with(count: tasks, floats: perTask) { workspaces in
                Parallel.run(tasks: tasks) { t in
                    let v = workspaces[t].base, m = v + transformedFloats, padded = m + productFloats
                    let du = padded + Workspace.aligned(plan.paddedPlane), dbPartial = du + weightAccumulatorFloats
                    if db != nil { zeroFloats(dbPartial, cout) }
                    let end = g.batch * (t + 1) / tasks
                    var start = g.batch * t / tasks
                    var first = true
                    while start < end {
                        let images = min(plan.chunkImages, end - start)
                        let tiles = images * plan.tilesPerImage
                        let vStride = cin * tiles, mStride = cout * tiles
                        // dM = A dy Aᵀ per tile, and the bias gradient.
                        for b in 0..<images {
                            for o in 0..<cout {
                                let plane = dy + ((start + b) * cout + o) * g.outputPlane
                                winogradOutputAdjoint(plane, height: g.outputHeight, width: g.outputWidth,
                                                      tilesY: plan.tilesY, tilesX: plan.tilesX,
                                                      into: m + o * tiles + b * plan.tilesPerImage, matrixStride: mStride)
                                if db != nil { dbPartial[o] += sumContiguous(plane, g.outputPlane) }
                            }
                        }
                        if dw != nil {
                            // V = Bᵀ d B, then dU[ξ] (+)= dM[ξ] · V[ξ]ᵀ.
                            for b in 0..<images {
                                for c in 0..<cin {
                                    padPlane(input + ((start + b) * cin + c) * g.inputPlane, height: g.height, width: g.width,
                                             padding: (g.paddingY, g.paddingX), into: padded,
                                             paddedHeight: plan.paddedHeight, paddedWidth: plan.paddedWidth)
                                    winogradInputTransform(padded, paddedWidth: plan.paddedWidth, tilesY: plan.tilesY,
                                                           tilesX: plan.tilesX, into: v + c * tiles + b * plan.tilesPerImage,
                                                           matrixStride: vStride)
                                }
                            }
                            for xi in 0..<16 {
                                sgemm(m + xi * mStride, BLASOperand(transposed: false, leadingDimension: tiles),
                                      v + xi * vStride, BLASOperand(transposed: true, leadingDimension: tiles),
                                      du + xi * cout * cin, ldc: cin, m: cout, n: cin, k: tiles, beta: first ? 0 : 1)
                            }
                        }
                        if let dx {
                            // dV[ξ] = U[ξ]ᵀ · dM[ξ] (into V's buffer), then dx = crop(Σ_t B dV_t Bᵀ).
                            for xi in 0..<16 {
                                sgemm(u + xi * cout * cin, BLASOperand(transposed: true, leadingDimension: cin),
                                      m + xi * mStride, BLASOperand(transposed: false, leadingDimension: tiles),
                                      v + xi * vStride, ldc: tiles, m: cin, n: tiles, k: cout)
                            }
                            for b in 0..<images {
                                for c in 0..<cin {
                                    zeroFloats(padded, plan.paddedPlane)
                                    winogradInputAdjoint(v + c * tiles + b * plan.tilesPerImage, matrixStride: vStride,
                                                         tilesY: plan.tilesY, tilesX: plan.tilesX,
                                                         into: padded, paddedWidth: plan.paddedWidth)
                                    let target = dx + ((start + b) * cin + c) * g.inputPlane
                                    // The padded plane holds the input at (paddingY, paddingX).
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
                let offset = transformedFloats + productFloats + Workspace.aligned(plan.paddedPlane)
                let du0 = workspaces[0].base + offset
                for t in 1..<tasks {
                    if dw != nil { accumulateFloats(du0, workspaces[t].base + offset, plan.weightFloats) }
                    if db != nil {
                        accumulateFloats(du0 + weightAccumulatorFloats, workspaces[t].base + offset + weightAccumulatorFloats, cout)
                    }
                }
                if let dw { winogradWeightAdjoint(du0, outputChannels: cout, inputChannels: cin, into: dw) }
                if let db { copyFloats(db, du0 + weightAccumulatorFloats, cout) }
            }
        }
    }
}
