import Testing
import Flint
import FlintTestSupport

/// A direct (seven-loop) convolution and its gradients in Double, the reference for the im2col path.
private struct ReferenceConvolution {
    let n, cin, h, w, cout, kh, kw, sy, sx, py, px, dy, dx, groups: Int
    var ho: Int { (h + 2 * py - dy * (kh - 1) - 1) / sy + 1 }
    var wo: Int { (w + 2 * px - dx * (kw - 1) - 1) / sx + 1 }

    /// Calls body(outputIndex, inputIndex, weightIndex) for every multiply-add of the forward pass.
    func forEachTap(_ body: (Int, Int, Int) -> Void) {
        let cinG = cin / groups, coutG = cout / groups
        for b in 0..<n {
            for o in 0..<cout {
                let g = o / coutG
                for i in 0..<ho {
                    for j in 0..<wo {
                        let outIndex = ((b * cout + o) * ho + i) * wo + j
                        for c in 0..<cinG {
                            for p in 0..<kh {
                                let y = i * sy - py + p * dy
                                if y < 0 || y >= h { continue }
                                for q in 0..<kw {
                                    let x = j * sx - px + q * dx
                                    if x < 0 || x >= w { continue }
                                    let inIndex = ((b * cin + g * cinG + c) * h + y) * w + x
                                    let weightIndex = ((o * cinG + c) * kh + p) * kw + q
                                    body(outIndex, inIndex, weightIndex)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func forward(_ input: [Float], _ weight: [Float], _ bias: [Float]?) -> [Float] {
        var out = [Double](repeating: 0, count: n * cout * ho * wo)
        forEachTap { o, i, k in out[o] += Double(input[i]) * Double(weight[k]) }
        if let bias {
            for index in out.indices { out[index] += Double(bias[(index / (ho * wo)) % cout]) }
        }
        return out.map { Float($0) }
    }

    func backward(_ input: [Float], _ weight: [Float], _ gradient: [Float]) -> (input: [Float], weight: [Float], bias: [Float]) {
        var gi = [Double](repeating: 0, count: input.count), gw = [Double](repeating: 0, count: weight.count)
        var gb = [Double](repeating: 0, count: cout)
        forEachTap { o, i, k in
            gi[i] += Double(gradient[o]) * Double(weight[k])
            gw[k] += Double(gradient[o]) * Double(input[i])
        }
        for index in gradient.indices { gb[(index / (ho * wo)) % cout] += Double(gradient[index]) }
        return (gi.map { Float($0) }, gw.map { Float($0) }, gb.map { Float($0) })
    }
}

private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    var worst: Float = 0
    for i in a.indices { worst = max(worst, abs(a[i] - b[i]) / max(1, abs(b[i]))) }
    return worst
}

@Suite struct ConvolutionTests {
    private let nine = Tensor((1...9).map { Float($0) }, shape: [1, 1, 3, 3])
    private let kernel = Tensor([1, 2, 3, 4], shape: [1, 1, 2, 2])

    @Test func plainConvolutionHandComputed() {
        // y[i, j] = x[i, j] + 2·x[i, j+1] + 3·x[i+1, j] + 4·x[i+1, j+1] + 0.5
        let y = nine.conv2d(weight: kernel, bias: Tensor([0.5]))
        #expect(y.shape == [1, 1, 2, 2])
        #expect(y.toArray() == [37.5, 47.5, 67.5, 77.5])
    }

    @Test func strideAndPaddingHandComputed() {
        // Zero-padded 5×5 input, windows at padded (0,0), (0,2), (2,0), (2,2).
        let y = nine.conv2d(weight: kernel, stride: (2, 2), padding: (1, 1))
        #expect(y.shape == [1, 1, 2, 2])
        #expect(y.toArray() == [4, 18, 36, 77])
    }

    @Test func dilationHandComputed() {
        // Taps at (i, j), (i, j+2), (i+2, j), (i+2, j+2) of the padded input.
        let y = nine.conv2d(weight: kernel, padding: (1, 1), dilation: (2, 2))
        #expect(y.shape == [1, 1, 3, 3])
        #expect(y.toArray() == [20, 36, 15, 36, 64, 26, 10, 16, 5])
    }

    @Test func groupsStridePaddingDilationHandComputed() {
        // Channel 1 is 10× channel 0; group 0 uses kernel [1, 2, 3, 4], group 1 [-1, 1, 2, 0.5].
        let input = Tensor((1...9).map { Float($0) } + (1...9).map { Float($0 * 10) }, shape: [1, 2, 3, 3])
        let weight = Tensor([1, 2, 3, 4, -1, 1, 2, 0.5], shape: [2, 1, 2, 2])
        let y = input.conv2d(weight: weight, bias: Tensor([1, -1]), stride: (2, 2), padding: (1, 1),
                             dilation: (2, 2), groups: 2)
        #expect(y.shape == [1, 2, 2, 2])
        #expect(y.toArray() == [21, 16, 11, 6, 24, 99, 49, -51])
    }

    @Test func outputSizeRules() {
        let x = Tensor.zeros([2, 3, 7, 9])
        // Ho = (7 + 2 - 2·2 - 1)/2 + 1 = 3, Wo = (9 - 1 - 1)/3 + 1 = 3
        #expect(x.conv2d(weight: Tensor.zeros([4, 3, 3, 2]), stride: (2, 3), padding: (1, 0), dilation: (2, 1)).shape == [2, 4, 3, 3])
        // Same padding: 3×3, pad 1, stride 1 keeps the size.
        #expect(x.conv2d(weight: Tensor.zeros([5, 3, 3, 3]), padding: (1, 1)).shape == [2, 5, 7, 9])
        // 1×1 stride 2: ⌈7/2⌉ × ⌈9/2⌉.
        #expect(x.conv2d(weight: Tensor.zeros([6, 3, 1, 1]), stride: (2, 2)).shape == [2, 6, 4, 5])
        // Kernel as large as the padded input: one output.
        #expect(x.conv2d(weight: Tensor.zeros([3, 1, 9, 11]), padding: (1, 1), groups: 3).shape == [2, 3, 1, 1])
    }

    @Test func matchesDirectConvolutionAcrossConfigurations() {
        // (N, Cin, H, W, Cout, kH, kW, stride, padding, dilation, groups)
        let cases: [(Int, Int, Int, Int, Int, Int, Int, (Int, Int), (Int, Int), (Int, Int), Int)] = [
            (2, 3, 8, 8, 4, 3, 3, (1, 1), (1, 1), (1, 1), 1),
            (1, 2, 7, 6, 3, 2, 3, (2, 1), (0, 1), (1, 2), 1),
            (2, 4, 9, 7, 6, 3, 3, (2, 2), (1, 1), (2, 2), 2),
            (2, 3, 5, 5, 5, 1, 1, (1, 1), (0, 0), (1, 1), 1),
            (2, 6, 5, 7, 3, 1, 1, (2, 2), (0, 0), (1, 1), 3),
            (1, 4, 6, 6, 4, 3, 3, (1, 1), (2, 2), (3, 3), 4),
            (2, 2, 5, 12, 2, 5, 3, (1, 1), (2, 1), (1, 1), 1),
            (1, 1, 4, 4, 2, 4, 4, (3, 3), (2, 2), (1, 1), 1),
        ]
        for (index, c) in cases.enumerated() {
            let r = ReferenceConvolution(n: c.0, cin: c.1, h: c.2, w: c.3, cout: c.4, kh: c.5, kw: c.6, sy: c.7.0, sx: c.7.1,
                                         py: c.8.0, px: c.8.1, dy: c.9.0, dx: c.9.1, groups: c.10)
            let x = GradientCheck.random([c.0, c.1, c.2, c.3], seed: UInt64(10 + index), requiresGrad: false)
            let w = GradientCheck.random([c.4, c.1 / c.10, c.5, c.6], seed: UInt64(50 + index), requiresGrad: false)
            let b = GradientCheck.random([c.4], seed: UInt64(90 + index), requiresGrad: false)
            let y = x.conv2d(weight: w, bias: b, stride: c.7, padding: c.8, dilation: c.9, groups: c.10)
            #expect(y.shape == [c.0, c.4, r.ho, r.wo], "case \(index)")
            #expect(maxDifference(y.toArray(), r.forward(x.toArray(), w.toArray(), b.toArray())) < 1e-5, "case \(index)")
        }
    }

    @Test func gradientsMatchFiniteDifferences() {
        let x = GradientCheck.random([2, 3, 5, 4], seed: 1)
        let w = GradientCheck.random([4, 3, 3, 3], seed: 2)
        let b = GradientCheck.random([4], seed: 3)
        #expect(GradientCheck.maxError([x, w, b]) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1)) } < 2e-3)

        // Asymmetric stride, padding and dilation on odd sizes.
        let x2 = GradientCheck.random([1, 2, 7, 6], seed: 4)
        let w2 = GradientCheck.random([3, 2, 2, 3], seed: 5)
        #expect(GradientCheck.maxError([x2, w2]) {
            $0[0].conv2d(weight: $0[1], stride: (2, 1), padding: (0, 1), dilation: (1, 2))
        } < 2e-3)

        // Groups with stride, padding and dilation together.
        let x3 = GradientCheck.random([2, 4, 5, 5], seed: 6)
        let w3 = GradientCheck.random([6, 2, 2, 2], seed: 7)
        let b3 = GradientCheck.random([6], seed: 8)
        #expect(GradientCheck.maxError([x3, w3, b3]) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1), dilation: (2, 2), groups: 2)
        } < 2e-3)
    }

    @Test func pointwiseGradients() {
        // 1×1 stride 1 (no lowering) with groups, and 1×1 stride 2 (lowered).
        let x = GradientCheck.random([2, 6, 3, 3], seed: 11)
        let w = GradientCheck.random([3, 2, 1, 1], seed: 12)
        let b = GradientCheck.random([3], seed: 13)
        #expect(GradientCheck.maxError([x, w, b]) { $0[0].conv2d(weight: $0[1], bias: $0[2], groups: 3) } < 2e-3)
        let x2 = GradientCheck.random([2, 3, 5, 4], seed: 14)
        let w2 = GradientCheck.random([4, 3, 1, 1], seed: 15)
        #expect(GradientCheck.maxError([x2, w2]) { $0[0].conv2d(weight: $0[1], stride: (2, 2)) } < 2e-3)
    }

    @Test func nonContiguousInputAndWeight() {
        // The input arrives as a transposed view ([N, C, W, H] swapped), the weight as a permuted view.
        let x = GradientCheck.random([2, 2, 5, 4], seed: 21)
        let w = GradientCheck.random([2, 3, 3, 3], seed: 22)
        let expected = x.transposed(2, 3).contiguous().conv2d(weight: w.permuted([1, 0, 2, 3]).contiguous(), padding: (1, 1))
        let viewed = x.transposed(2, 3).conv2d(weight: w.permuted([1, 0, 2, 3]), padding: (1, 1))
        #expect(viewed.toArray() == expected.toArray())
        #expect(GradientCheck.maxError([x, w]) {
            $0[0].transposed(2, 3).conv2d(weight: $0[1].permuted([1, 0, 2, 3]), padding: (1, 1))
        } < 2e-3)
    }

    @Test func batchSplitAcrossThreadsMatchesReference() {
        // Large enough (≈3.5 M multiply-adds) to take the threaded path; odd batch size.
        let r = ReferenceConvolution(n: 3, cin: 16, h: 16, w: 16, cout: 32, kh: 3, kw: 3, sy: 1, sx: 1, py: 1, px: 1,
                                     dy: 1, dx: 1, groups: 1)
        let x = GradientCheck.random([3, 16, 16, 16], seed: 31)
        let w = GradientCheck.random([32, 16, 3, 3], seed: 32, low: -0.2, high: 0.2)
        let b = GradientCheck.random([32], seed: 33)
        let y = x.conv2d(weight: w, bias: b, padding: (1, 1))
        #expect(maxDifference(y.toArray(), r.forward(x.toArray(), w.toArray(), b.toArray())) < 1e-5)
        let seed = GradientCheck.random(y.shape, seed: 34, requiresGrad: false)
        y.backward(gradient: seed)
        let expected = r.backward(x.toArray(), w.toArray(), seed.toArray())
        #expect(maxDifference(x.grad!.toArray(), expected.input) < 1e-5)
        #expect(maxDifference(w.grad!.toArray(), expected.weight) < 1e-4)
        #expect(maxDifference(b.grad!.toArray(), expected.bias) < 1e-4)
    }

    @Test func weightOnlyGradientMatchesFullGradient() {
        // The CNN's first layer: the input needs no gradient, only the weight and bias do.
        let x = GradientCheck.random([4, 3, 10, 10], seed: 41, requiresGrad: false)
        let w = GradientCheck.random([8, 3, 3, 3], seed: 42)
        let b = GradientCheck.random([8], seed: 43)
        let seed = GradientCheck.random([4, 8, 10, 10], seed: 44, requiresGrad: false)
        x.conv2d(weight: w, bias: b, padding: (1, 1)).backward(gradient: seed)
        let weightOnly = w.grad!.toArray(), biasOnly = b.grad!.toArray()
        let r = ReferenceConvolution(n: 4, cin: 3, h: 10, w: 10, cout: 8, kh: 3, kw: 3, sy: 1, sx: 1, py: 1, px: 1,
                                     dy: 1, dx: 1, groups: 1)
        let expected = r.backward(x.toArray(), w.toArray(), seed.toArray())
        #expect(maxDifference(weightOnly, expected.weight) < 1e-4)
        #expect(maxDifference(biasOnly, expected.bias) < 1e-4)
        #expect(x.grad == nil)
    }

    /// Checks conv2d and all three gradients against the direct reference.
    private func checkAgainstReference(n: Int, cin: Int, h: Int, w: Int, cout: Int, kernel: Int, stride: Int, padding: Int,
                                       dilation: Int, seed: UInt64, inputGradient: Bool = true) {
        let r = ReferenceConvolution(n: n, cin: cin, h: h, w: w, cout: cout, kh: kernel, kw: kernel, sy: stride, sx: stride,
                                     py: padding, px: padding, dy: dilation, dx: dilation, groups: 1)
        let x = GradientCheck.random([n, cin, h, w], seed: seed, requiresGrad: inputGradient)
        let weight = GradientCheck.random([cout, cin, kernel, kernel], seed: seed + 1, low: -0.2, high: 0.2)
        let bias = GradientCheck.random([cout], seed: seed + 2)
        let y = x.conv2d(weight: weight, bias: bias, stride: (stride, stride), padding: (padding, padding),
                         dilation: (dilation, dilation))
        #expect(y.shape == [n, cout, r.ho, r.wo])
        #expect(maxDifference(y.toArray(), r.forward(x.toArray(), weight.toArray(), bias.toArray())) < 2e-5)
        let upstream = GradientCheck.random(y.shape, seed: seed + 3, requiresGrad: false)
        y.backward(gradient: upstream)
        let expected = r.backward(x.toArray(), weight.toArray(), upstream.toArray())
        if inputGradient {
            #expect(maxDifference(x.grad!.toArray(), expected.input) < 2e-5)
        } else {
            #expect(x.grad == nil)
        }
        #expect(maxDifference(weight.grad!.toArray(), expected.weight) < 1e-4)
        #expect(maxDifference(bias.grad!.toArray(), expected.bias) < 1e-4)
    }

    @Test func winogradPathMatchesReference() {
        // 3×3 stride-1 convolutions with ≥ 16 channels take the Winograd F(2×2, 3×3) path: odd output
        // sizes (partial edge tiles), no padding, wide padding, odd channel counts.
        checkAgainstReference(n: 2, cin: 16, h: 7, w: 9, cout: 16, kernel: 3, stride: 1, padding: 1, dilation: 1, seed: 100)
        checkAgainstReference(n: 2, cin: 16, h: 6, w: 5, cout: 24, kernel: 3, stride: 1, padding: 0, dilation: 1, seed: 110)
        checkAgainstReference(n: 1, cin: 17, h: 5, w: 4, cout: 19, kernel: 3, stride: 1, padding: 2, dilation: 1, seed: 120)
        // Only the weight and bias need gradients (no input-gradient GEMMs).
        checkAgainstReference(n: 2, cin: 16, h: 5, w: 6, cout: 16, kernel: 3, stride: 1, padding: 1, dilation: 1, seed: 130,
                              inputGradient: false)
    }

    @Test func winogradThreadedChunksMatchReference() {
        // 10×10 outputs are 25 tiles per image, so 5 images per chunk (128 tiles at most): with 13
        // images the threads get 6 and 7 images (two chunks each, the second partial), and the
        // weight gradient sums across chunks and threads.
        checkAgainstReference(n: 13, cin: 16, h: 10, w: 10, cout: 16, kernel: 3, stride: 1, padding: 1, dilation: 1, seed: 140)
    }

    @Test func winogradGradientsMatchFiniteDifferences() {
        let x = GradientCheck.random([1, 16, 3, 4], seed: 150)
        let w = GradientCheck.random([16, 16, 3, 3], seed: 151, low: -0.3, high: 0.3)
        let b = GradientCheck.random([16], seed: 152)
        #expect(GradientCheck.maxError([x, w, b]) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1)) } < 2e-3)
    }

    @Test func threadedLoweringPathMatchesReference() {
        // Dilated and strided 3×3 convolutions keep the im2col path, also when split across threads.
        checkAgainstReference(n: 3, cin: 16, h: 16, w: 15, cout: 32, kernel: 3, stride: 1, padding: 2, dilation: 2, seed: 160)
        checkAgainstReference(n: 4, cin: 16, h: 20, w: 20, cout: 32, kernel: 3, stride: 2, padding: 1, dilation: 1, seed: 170)
    }

    @Test func biasOnlyGradient() {
        // Only the bias requires a gradient: dbias[o] = Σ_{n, positions} dy[n, o, ...], on both paths.
        for (cin, kernel) in [(16, 3), (3, 5)] {
            let x = GradientCheck.random([2, cin, 6, 6], seed: 180, requiresGrad: false)
            let w = GradientCheck.random([16, cin, kernel, kernel], seed: 181, requiresGrad: false)
            let b = GradientCheck.random([16], seed: 182)
            let y = x.conv2d(weight: w, bias: b, padding: (1, 1))
            let upstream = GradientCheck.random(y.shape, seed: 183, requiresGrad: false)
            y.backward(gradient: upstream)
            let plane = y.shape[2] * y.shape[3], values = upstream.toArray()
            var expected = [Float](repeating: 0, count: 16)
            for i in values.indices { expected[(i / plane) % 16] += values[i] }
            #expect(maxDifference(b.grad!.toArray(), expected) < 1e-5, "Cin \(cin), kernel \(kernel)")
            #expect(w.grad == nil && x.grad == nil)
        }
    }
}
