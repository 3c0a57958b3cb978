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

    static let targetTiles = 128

    /// Whether `g` is a convolution this path handles (and is worth it for).
    static func applies(to g: ConvolutionGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1
            && g.dilationY == 1 && g.dilationX == 1 && g.groups == 1
            && g.inputChannels >= 16 && g.outputChannels >= 16 && g.outputHeight >= 2 && g.outputWidth >= 2
    }

    /// Offset of each tile's top-left corner in the padded input plane (row stride `paddedWidth`).
    let inputOffsets: [Int32]
    /// Offset of each tile's top-left output in a 2·tilesY × 2·tilesX plane.
    let outputOffsets: [Int32]

    init(_ g: ConvolutionGeometry) {
        geometry = g
        tilesY = (g.outputHeight + 1) / 2
        tilesX = (g.outputWidth + 1) / 2
        chunkImages = max(1, WinogradPlan.targetTiles / (tilesY * tilesX))
        var inputOffsets: [Int32] = [], outputOffsets: [Int32] = []
        for ty in 0..<tilesY {
            for tx in 0..<tilesX {
                inputOffsets.append(Int32(2 * ty * (2 * tilesX + 2) + 2 * tx))
                outputOffsets.append(Int32(2 * ty * (2 * tilesX) + 2 * tx))
            }
        }
        self.inputOffsets = inputOffsets
        self.outputOffsets = outputOffsets
    }

    /// Whether the tiles cover the output exactly (even height and width): no cropping needed.
    var tilesCoverOutput: Bool { 2 * tilesY == geometry.outputHeight && 2 * tilesX == geometry.outputWidth }
    /// The 2·tilesY × 2·tilesX plane the tiles cover.
    var tiledOutputPlane: Int { 4 * tilesY * tilesX }

    var tilesPerImage: Int { tilesY * tilesX }
    /// The distance between consecutive ξ matrices of `rows` rows × `tiles` columns. A power of two
    /// would put the 16 streams of a transform in the same cache sets, so it is padded by 3 lines.
    @inline(__always)
    static func matrixStride(rows: Int, tiles: Int) -> Int { Workspace.aligned(rows * tiles) + 48 }
    var chunkTiles: Int { chunkImages * tilesPerImage }
    /// The zero-padded input plane covering every tile: (2·tilesY + 2) × (2·tilesX + 2).
    var paddedHeight: Int { 2 * tilesY + 2 }
    var paddedWidth: Int { 2 * tilesX + 2 }
    var paddedPlane: Int { paddedHeight * paddedWidth }
    /// The distance between the 16 transformed weight matrices [Cout, Cin].
    var weightStride: Int { WinogradPlan.matrixStride(rows: geometry.outputChannels, tiles: geometry.inputChannels) }
    /// Floats of the 16 transformed weight matrices.
    var weightFloats: Int { 16 * weightStride }
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

@inline(__always)
private func inputPoints(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    (a - c, b + c, c - b, b - d)
}

@inline(__always)
private func inputAdjointPoints(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    (a, b - c + d, b + c - a, -d)
}

@inline(__always)
private func outputPoints(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>)
    -> (SIMD8<Float>, SIMD8<Float>) {
    (a + b + c, b - c - d)
}

@inline(__always)
private func outputAdjointPoints(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    (a, a + b, a - b, -b)
}

// MARK: - Plane transforms

/// U[ξ][o][c] = (G w[o, c] Gᵀ)[ξ] for output channels `range`; `u` holds [16, Cout, Cin].
private func winogradWeightTransform(_ w: UnsafePointer<Float>, outputChannels range: Range<Int>, inputChannels: Int,
                                     into u: UnsafeMutablePointer<Float>, matrixStride stride: Int) {
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
                                   into dw: UnsafeMutablePointer<Float>, matrixStride stride: Int) {
    for pair in 0..<(outputChannels * inputChannels) {
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

// Each plane transform runs in two steps: a scalar loop that moves every tile's values between
// the plane and 16 (or 4) contiguous per-position rows of `scratch` (`count` floats apart), and a
// SIMD loop over eight tiles at a time on contiguous rows. Gathers and scatters stay scalar,
// the arithmetic stays vectorised.

/// V[ξ][t] = (Bᵀ d_t B)[ξ] for the `count` tiles of one padded plane (tile t's patch starts at
/// `offsets[t]`, rows `pw` apart); `v` points at tile 0 in matrix ξ = 0, matrices `ms` apart.
private func winogradInputTransform(_ padded: UnsafePointer<Float>, paddedWidth pw: Int, offsets: UnsafePointer<Int32>,
                                    count n: Int, into v: UnsafeMutablePointer<Float>, matrixStride ms: Int,
                                    scratch d: UnsafeMutablePointer<Float>) {
    for t in 0..<n {
        let r0 = padded + Int(offsets[t]), r1 = r0 + pw, r2 = r1 + pw, r3 = r2 + pw
        d[t] = r0[0]; d[n + t] = r0[1]; d[2 * n + t] = r0[2]; d[3 * n + t] = r0[3]
        d[4 * n + t] = r1[0]; d[5 * n + t] = r1[1]; d[6 * n + t] = r1[2]; d[7 * n + t] = r1[3]
        d[8 * n + t] = r2[0]; d[9 * n + t] = r2[1]; d[10 * n + t] = r2[2]; d[11 * n + t] = r2[3]
        d[12 * n + t] = r3[0]; d[13 * n + t] = r3[1]; d[14 * n + t] = r3[2]; d[15 * n + t] = r3[3]
    }
    var t = 0
    while t + 8 <= n {
        let s = UnsafePointer(d + t)
        // Bᵀ down each column j (rows i = ξ / 4), then B along each row.
        let c0 = inputPoints(loadVector(s), loadVector(s + 4 * n), loadVector(s + 8 * n), loadVector(s + 12 * n))
        let c1 = inputPoints(loadVector(s + n), loadVector(s + 5 * n), loadVector(s + 9 * n), loadVector(s + 13 * n))
        let c2 = inputPoints(loadVector(s + 2 * n), loadVector(s + 6 * n), loadVector(s + 10 * n), loadVector(s + 14 * n))
        let c3 = inputPoints(loadVector(s + 3 * n), loadVector(s + 7 * n), loadVector(s + 11 * n), loadVector(s + 15 * n))
        let q0 = inputPoints(c0.0, c1.0, c2.0, c3.0), q1 = inputPoints(c0.1, c1.1, c2.1, c3.1)
        let q2 = inputPoints(c0.2, c1.2, c2.2, c3.2), q3 = inputPoints(c0.3, c1.3, c2.3, c3.3)
        let o = v + t
        storeVector(q0.0, o); storeVector(q0.1, o + ms); storeVector(q0.2, o + 2 * ms); storeVector(q0.3, o + 3 * ms)
        storeVector(q1.0, o + 4 * ms); storeVector(q1.1, o + 5 * ms); storeVector(q1.2, o + 6 * ms); storeVector(q1.3, o + 7 * ms)
        storeVector(q2.0, o + 8 * ms); storeVector(q2.1, o + 9 * ms); storeVector(q2.2, o + 10 * ms); storeVector(q2.3, o + 11 * ms)
        storeVector(q3.0, o + 12 * ms); storeVector(q3.1, o + 13 * ms); storeVector(q3.2, o + 14 * ms); storeVector(q3.3, o + 15 * ms)
        t += 8
    }
    while t < n {
        let s = d + t
        let c0 = inputPoints(s[0], s[4 * n], s[8 * n], s[12 * n]), c1 = inputPoints(s[n], s[5 * n], s[9 * n], s[13 * n])
        let c2 = inputPoints(s[2 * n], s[6 * n], s[10 * n], s[14 * n]), c3 = inputPoints(s[3 * n], s[7 * n], s[11 * n], s[15 * n])
        let q0 = inputPoints(c0.0, c1.0, c2.0, c3.0), q1 = inputPoints(c0.1, c1.1, c2.1, c3.1)
        let q2 = inputPoints(c0.2, c1.2, c2.2, c3.2), q3 = inputPoints(c0.3, c1.3, c2.3, c3.3)
        let o = v + t
        o[0] = q0.0; o[ms] = q0.1; o[2 * ms] = q0.2; o[3 * ms] = q0.3
        o[4 * ms] = q1.0; o[5 * ms] = q1.1; o[6 * ms] = q1.2; o[7 * ms] = q1.3
        o[8 * ms] = q2.0; o[9 * ms] = q2.1; o[10 * ms] = q2.2; o[11 * ms] = q2.3
        o[12 * ms] = q3.0; o[13 * ms] = q3.1; o[14 * ms] = q3.2; o[15 * ms] = q3.3
        t += 1
    }
}

/// Adds B dV_t Bᵀ of each of the `count` tiles onto a padded gradient plane at `offsets[t]`
/// (tiles overlap, so this accumulates).
private func winogradInputAdjoint(_ dv: UnsafePointer<Float>, matrixStride ms: Int, offsets: UnsafePointer<Int32>,
                                  count n: Int, into padded: UnsafeMutablePointer<Float>, paddedWidth pw: Int,
                                  scratch r: UnsafeMutablePointer<Float>) {
    var t = 0
    while t + 8 <= n {
        let s = dv + t
        // B along each row i of dV (row i holds ξ = 4i ..< 4i + 4), then B down each column j.
        let q0 = inputAdjointPoints(loadVector(s), loadVector(s + ms), loadVector(s + 2 * ms), loadVector(s + 3 * ms))
        let q1 = inputAdjointPoints(loadVector(s + 4 * ms), loadVector(s + 5 * ms), loadVector(s + 6 * ms), loadVector(s + 7 * ms))
        let q2 = inputAdjointPoints(loadVector(s + 8 * ms), loadVector(s + 9 * ms), loadVector(s + 10 * ms), loadVector(s + 11 * ms))
        let q3 = inputAdjointPoints(loadVector(s + 12 * ms), loadVector(s + 13 * ms), loadVector(s + 14 * ms), loadVector(s + 15 * ms))
        let c0 = inputAdjointPoints(q0.0, q1.0, q2.0, q3.0), c1 = inputAdjointPoints(q0.1, q1.1, q2.1, q3.1)
        let c2 = inputAdjointPoints(q0.2, q1.2, q2.2, q3.2), c3 = inputAdjointPoints(q0.3, q1.3, q2.3, q3.3)
        // Patch element (a, b) is c_b.a; scratch row 4a + b.
        let o = r + t
        storeVector(c0.0, o); storeVector(c1.0, o + n); storeVector(c2.0, o + 2 * n); storeVector(c3.0, o + 3 * n)
        storeVector(c0.1, o + 4 * n); storeVector(c1.1, o + 5 * n); storeVector(c2.1, o + 6 * n); storeVector(c3.1, o + 7 * n)
        storeVector(c0.2, o + 8 * n); storeVector(c1.2, o + 9 * n); storeVector(c2.2, o + 10 * n); storeVector(c3.2, o + 11 * n)
        storeVector(c0.3, o + 12 * n); storeVector(c1.3, o + 13 * n); storeVector(c2.3, o + 14 * n); storeVector(c3.3, o + 15 * n)
        t += 8
    }
    while t < n {
        let s = dv + t
        let q0 = inputAdjointPoints(s[0], s[ms], s[2 * ms], s[3 * ms])
        let q1 = inputAdjointPoints(s[4 * ms], s[5 * ms], s[6 * ms], s[7 * ms])
        let q2 = inputAdjointPoints(s[8 * ms], s[9 * ms], s[10 * ms], s[11 * ms])
        let q3 = inputAdjointPoints(s[12 * ms], s[13 * ms], s[14 * ms], s[15 * ms])
        let c0 = inputAdjointPoints(q0.0, q1.0, q2.0, q3.0), c1 = inputAdjointPoints(q0.1, q1.1, q2.1, q3.1)
        let c2 = inputAdjointPoints(q0.2, q1.2, q2.2, q3.2), c3 = inputAdjointPoints(q0.3, q1.3, q2.3, q3.3)
        let o = r + t
        o[0] = c0.0; o[n] = c1.0; o[2 * n] = c2.0; o[3 * n] = c3.0
        o[4 * n] = c0.1; o[5 * n] = c1.1; o[6 * n] = c2.1; o[7 * n] = c3.1
        o[8 * n] = c0.2; o[9 * n] = c1.2; o[10 * n] = c2.2; o[11 * n] = c3.2
        o[12 * n] = c0.3; o[13 * n] = c1.3; o[14 * n] = c2.3; o[15 * n] = c3.3
        t += 1
    }
    for t in 0..<n {
        let r0 = padded + Int(offsets[t]), r1 = r0 + pw, r2 = r1 + pw, r3 = r2 + pw
        r0[0] += r[t]; r0[1] += r[n + t]; r0[2] += r[2 * n + t]; r0[3] += r[3 * n + t]
        r1[0] += r[4 * n + t]; r1[1] += r[5 * n + t]; r1[2] += r[6 * n + t]; r1[3] += r[7 * n + t]
        r2[0] += r[8 * n + t]; r2[1] += r[9 * n + t]; r2[2] += r[10 * n + t]; r2[3] += r[11 * n + t]
        r3[0] += r[12 * n + t]; r3[1] += r[13 * n + t]; r3[2] += r[14 * n + t]; r3[3] += r[15 * n + t]
    }
}

/// y = Aᵀ m_t A + bias for the `count` tiles of one plane, written at `offsets[t]` of a plane
/// whose rows are `ow` apart.
private func winogradOutputTransform(_ m: UnsafePointer<Float>, matrixStride ms: Int, offsets: UnsafePointer<Int32>,
                                     count n: Int, bias: Float, into y: UnsafeMutablePointer<Float>, rowStride ow: Int,
                                     scratch r: UnsafeMutablePointer<Float>) {
    var t = 0
    let vb = SIMD8<Float>(repeating: bias)
    while t + 8 <= n {
        let s = m + t
        // Aᵀ down each column j, then A along the two rows.
        let c0 = outputPoints(loadVector(s), loadVector(s + 4 * ms), loadVector(s + 8 * ms), loadVector(s + 12 * ms))
        let c1 = outputPoints(loadVector(s + ms), loadVector(s + 5 * ms), loadVector(s + 9 * ms), loadVector(s + 13 * ms))
        let c2 = outputPoints(loadVector(s + 2 * ms), loadVector(s + 6 * ms), loadVector(s + 10 * ms), loadVector(s + 14 * ms))
        let c3 = outputPoints(loadVector(s + 3 * ms), loadVector(s + 7 * ms), loadVector(s + 11 * ms), loadVector(s + 15 * ms))
        let top = outputPoints(c0.0, c1.0, c2.0, c3.0), bottom = outputPoints(c0.1, c1.1, c2.1, c3.1)
        let o = r + t
        storeVector(top.0 + vb, o); storeVector(top.1 + vb, o + n)
        storeVector(bottom.0 + vb, o + 2 * n); storeVector(bottom.1 + vb, o + 3 * n)
        t += 8
    }
    while t < n {
        let s = m + t
        let c0 = outputPoints(s[0], s[4 * ms], s[8 * ms], s[12 * ms])
        let c1 = outputPoints(s[ms], s[5 * ms], s[9 * ms], s[13 * ms])
        let c2 = outputPoints(s[2 * ms], s[6 * ms], s[10 * ms], s[14 * ms])
        let c3 = outputPoints(s[3 * ms], s[7 * ms], s[11 * ms], s[15 * ms])
        let top = outputPoints(c0.0, c1.0, c2.0, c3.0), bottom = outputPoints(c0.1, c1.1, c2.1, c3.1)
        let o = r + t
        o[0] = top.0 + bias; o[n] = top.1 + bias; o[2 * n] = bottom.0 + bias; o[3 * n] = bottom.1 + bias
        t += 1
    }
    for t in 0..<n {
        let p = y + Int(offsets[t])
        p[0] = r[t]; p[1] = r[n + t]; p[ow] = r[2 * n + t]; p[ow + 1] = r[3 * n + t]
    }
}

/// dM_t = A dy_t Aᵀ for the `count` tiles of one output-gradient plane (tile t's 2×2 block at
/// `offsets[t]`, rows `ow` apart).
private func winogradOutputAdjoint(_ dy: UnsafePointer<Float>, rowStride ow: Int, offsets: UnsafePointer<Int32>, count n: Int,
                                   into dm: UnsafeMutablePointer<Float>, matrixStride ms: Int,
                                   scratch a: UnsafeMutablePointer<Float>) {
    for t in 0..<n {
        let g = dy + Int(offsets[t])
        a[t] = g[0]; a[n + t] = g[1]; a[2 * n + t] = g[ow]; a[3 * n + t] = g[ow + 1]
    }
    var t = 0
    while t + 8 <= n {
        let s = UnsafePointer(a + t)
        // A down each column b, then along each row i.
        let e0 = outputAdjointPoints(loadVector(s), loadVector(s + 2 * n))
        let e1 = outputAdjointPoints(loadVector(s + n), loadVector(s + 3 * n))
        let q0 = outputAdjointPoints(e0.0, e1.0), q1 = outputAdjointPoints(e0.1, e1.1)
        let q2 = outputAdjointPoints(e0.2, e1.2), q3 = outputAdjointPoints(e0.3, e1.3)
        let d = dm + t
        storeVector(q0.0, d); storeVector(q0.1, d + ms); storeVector(q0.2, d + 2 * ms); storeVector(q0.3, d + 3 * ms)
        storeVector(q1.0, d + 4 * ms); storeVector(q1.1, d + 5 * ms); storeVector(q1.2, d + 6 * ms); storeVector(q1.3, d + 7 * ms)
        storeVector(q2.0, d + 8 * ms); storeVector(q2.1, d + 9 * ms); storeVector(q2.2, d + 10 * ms); storeVector(q2.3, d + 11 * ms)
        storeVector(q3.0, d + 12 * ms); storeVector(q3.1, d + 13 * ms); storeVector(q3.2, d + 14 * ms); storeVector(q3.3, d + 15 * ms)
        t += 8
    }
    while t < n {
        let s = a + t
        let e0 = outputAdjointPoints(s[0], s[2 * n]), e1 = outputAdjointPoints(s[n], s[3 * n])
        let q0 = outputAdjointPoints(e0.0, e1.0), q1 = outputAdjointPoints(e0.1, e1.1)
        let q2 = outputAdjointPoints(e0.2, e1.2), q3 = outputAdjointPoints(e0.3, e1.3)
        let d = dm + t
        d[0] = q0.0; d[ms] = q0.1; d[2 * ms] = q0.2; d[3 * ms] = q0.3
        d[4 * ms] = q1.0; d[5 * ms] = q1.1; d[6 * ms] = q1.2; d[7 * ms] = q1.3
        d[8 * ms] = q2.0; d[9 * ms] = q2.1; d[10 * ms] = q2.2; d[11 * ms] = q2.3
        d[12 * ms] = q3.0; d[13 * ms] = q3.1; d[14 * ms] = q3.2; d[15 * ms] = q3.3
        t += 1
    }
}

// MARK: - Forward and backward passes

extension Tensor {
    /// U = G w Gᵀ for all channel pairs into `u` (16 matrices [Cout, Cin]), split across threads when large.
    private static func winogradWeights(_ plan: WinogradPlan, weight: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        let g = plan.geometry
        Parallel.forChunks(g.outputChannels, minimumChunk: max(1, 4096 / g.inputChannels)) { range in
            winogradWeightTransform(weight, outputChannels: range, inputChannels: g.inputChannels, into: u,
                                    matrixStride: plan.weightStride)
        }
    }

    /// The forward pass of conv2d by Winograd F(2×2, 3×3); `output` is NCHW, contiguous.
    static func winogradForward(_ plan: WinogradPlan, tasks: Int, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let g = plan.geometry
        let cin = g.inputChannels, cout = g.outputChannels, tpi = plan.tilesPerImage
        let transformedFloats = 16 * WinogradPlan.matrixStride(rows: cin, tiles: plan.chunkTiles)
        let productFloats = 16 * WinogradPlan.matrixStride(rows: cout, tiles: plan.chunkTiles)
        let paddedFloats = Workspace.aligned(plan.paddedPlane), tiledFloats = Workspace.aligned(plan.tiledOutputPlane)
        let scratchFloats = Workspace.aligned(16 * tpi)
        let exact = plan.tilesCoverOutput
        plan.inputOffsets.withUnsafeBufferPointer { inputOffsets in
        plan.outputOffsets.withUnsafeBufferPointer { outputOffsets in
        let inOffsets = inputOffsets.baseAddress!, outOffsets = outputOffsets.baseAddress!
        Workspace.with(count: 1, floats: plan.weightFloats) { shared in
            let u = shared[0].base
            winogradWeights(plan, weight: weight, into: u)
            Workspace.with(count: tasks, floats: transformedFloats + productFloats + paddedFloats + tiledFloats + scratchFloats) { workspaces in
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
                                winogradInputTransform(padded, paddedWidth: plan.paddedWidth, offsets: inOffsets, count: tpi,
                                                       into: v + c * tiles + b * tpi, matrixStride: vStride,
                                                       scratch: scratch)
                            }
                        }
                        for xi in 0..<16 {
                            sgemm(u + xi * plan.weightStride, BLASOperand(transposed: false, leadingDimension: cin),
                                  v + xi * vStride, BLASOperand(transposed: false, leadingDimension: tiles),
                                  m + xi * mStride, ldc: tiles, m: cout, n: tiles, k: cin)
                        }
                        for b in 0..<images {
                            for o in 0..<cout {
                                let plane = output + ((start + b) * cout + o) * g.outputPlane
                                // Even sizes: tiles land in the output directly; else in a plane to crop.
                                winogradOutputTransform(m + o * tiles + b * tpi, matrixStride: mStride, offsets: outOffsets,
                                                        count: tpi, bias: bias?[o] ?? 0, into: exact ? plane : tiled,
                                                        rowStride: 2 * plan.tilesX, scratch: scratch)
                                if !exact {
                                    for r in 0..<g.outputHeight {
                                        copyFloats(plane + r * g.outputWidth, tiled + r * 2 * plan.tilesX, g.outputWidth)
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

    /// The input, weight and bias gradients of conv2d by Winograd F(2×2, 3×3) (each only when asked).
    static func winogradBackward(_ plan: WinogradPlan, tasks: Int, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                 outputGradient dy: UnsafePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?,
                                 weightGradient dw: UnsafeMutablePointer<Float>?, biasGradient db: UnsafeMutablePointer<Float>?) {
        let g = plan.geometry
        let cin = g.inputChannels, cout = g.outputChannels, tpi = plan.tilesPerImage
        let transformedFloats = 16 * WinogradPlan.matrixStride(rows: cin, tiles: plan.chunkTiles)
        let productFloats = 16 * WinogradPlan.matrixStride(rows: cout, tiles: plan.chunkTiles)
        let paddedFloats = Workspace.aligned(plan.paddedPlane), tiledFloats = Workspace.aligned(plan.tiledOutputPlane)
        let weightAccumulatorFloats = dw != nil ? plan.weightFloats : 0
        let biasAccumulatorFloats = db != nil ? Workspace.aligned(cout) : 0
        let scratchFloats = Workspace.aligned(16 * tpi)
        let accumulatorOffset = transformedFloats + productFloats + paddedFloats + tiledFloats + scratchFloats
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
                    // Odd sizes: the output gradient is read through a zero-padded tiled plane.
                    if !exact { zeroFloats(tiled, plan.tiledOutputPlane) }
                    let end = g.batch * (t + 1) / tasks
                    var start = g.batch * t / tasks
                    var first = true
                    while start < end {
                        let images = min(plan.chunkImages, end - start)
                        let tiles = images * tpi
                        let vStride = WinogradPlan.matrixStride(rows: cin, tiles: tiles)
                        let mStride = WinogradPlan.matrixStride(rows: cout, tiles: tiles)
                        // dM = A dy Aᵀ per tile (unless only the bias gradient is wanted), and the bias gradient.
                        for b in 0..<images where dw != nil || dx != nil {
                            for o in 0..<cout {
                                let plane = dy + ((start + b) * cout + o) * g.outputPlane
                                if !exact {
                                    for r in 0..<g.outputHeight {
                                        copyFloats(tiled + r * 2 * plan.tilesX, plane + r * g.outputWidth, g.outputWidth)
                                    }
                                }
                                winogradOutputAdjoint(exact ? plane : UnsafePointer(tiled), rowStride: 2 * plan.tilesX,
                                                      offsets: outOffsets, count: tpi,
                                                      into: m + o * tiles + b * tpi, matrixStride: mStride,
                                                      scratch: scratch)
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
                                    winogradInputTransform(padded, paddedWidth: plan.paddedWidth, offsets: inOffsets, count: tpi,
                                                           into: v + c * tiles + b * tpi, matrixStride: vStride,
                                                       scratch: scratch)
                                }
                            }
                            for xi in 0..<16 {
                                sgemm(m + xi * mStride, BLASOperand(transposed: false, leadingDimension: tiles),
                                      v + xi * vStride, BLASOperand(transposed: true, leadingDimension: tiles),
                                      du + xi * plan.weightStride, ldc: cin, m: cout, n: cin, k: tiles, beta: first ? 0 : 1)
                            }
                        }
                        if let dx {
                            // dV[ξ] = U[ξ]ᵀ · dM[ξ] (into V's buffer), then dx = crop(Σ_t B dV_t Bᵀ).
                            for xi in 0..<16 {
                                sgemm(u + xi * plan.weightStride, BLASOperand(transposed: true, leadingDimension: cin),
                                      m + xi * mStride, BLASOperand(transposed: false, leadingDimension: tiles),
                                      v + xi * vStride, ldc: tiles, m: cin, n: tiles, k: cout)
                            }
                            for b in 0..<images {
                                for c in 0..<cin {
                                    zeroFloats(padded, plan.paddedPlane)
                                    winogradInputAdjoint(v + c * tiles + b * tpi, matrixStride: vStride, offsets: inOffsets,
                                                         count: tpi, into: padded, paddedWidth: plan.paddedWidth,
                                                         scratch: scratch)
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
                if let dw {
                    winogradWeightAdjoint(du0, outputChannels: cout, inputChannels: cin, into: dw, matrixStride: plan.weightStride)
                }
                if let db { copyFloats(db, du0 + weightAccumulatorFloats, cout) }
            }
        }
        }
        }
    }
}
