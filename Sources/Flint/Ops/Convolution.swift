// 2-D convolution (cross-correlation, as `torch.nn.functional.conv2d`) by im2col + GEMM, with its
// gradients.
//
// Per image n and group g, with the column matrix C_n = im2col(x_n) of shape [Cin/g·kH·kW, Ho·Wo]:
//   Y_n      = W_g · C_n (+ bias)                 [Cout/g, Ho·Wo]
//   dW_g     = Σ_n dY_n · C_nᵀ
//   dx_n     = col2im(W_gᵀ · dY_n)
//   dbias    = Σ_n Σ_positions dY_n
// The batch is split across Flint's threads; each thread lowers its own images into its own
// workspace and calls single-threaded BLAS, so the output is written in NCHW order directly.
// 3×3 stride-1 convolutions with at least 16 input and output channels go through Winograd
// F(4×4, 3×3) or F(2×2, 3×3) instead (Winograd.swift), which needs 4× or 2.25× fewer multiply-adds.

extension BLASOperand {
    /// A row-major operand with the given transpose flag and leading dimension.
    init(transposed: Bool, leadingDimension: Int) {
        self.transposed = transposed
        self.leadingDimension = leadingDimension
    }
}

extension Tensor {
    /// 2-D convolution over an NCHW batch, like `torch.nn.functional.conv2d`.
    ///
    /// With input [N, Cin, H, W] and `weight` [Cout, Cin/groups, kH, kW], the output is
    /// [N, Cout, Ho, Wo] with Ho = ⌊(H + 2·padding.0 − dilation.0·(kH − 1) − 1) / stride.0⌋ + 1
    /// (and likewise Wo), and
    /// y[n, o, i, j] = bias[o] + Σ_{c, p, q} w[o, c, p, q] · x[n, g·Cin/groups + c, i·s + p·d − pad, j·s + q·d − pad]
    /// where g = o / (Cout/groups) and x is zero outside the image. Differentiable in the input,
    /// the weight and the bias.
    ///
    /// 3×3, stride-1, undilated, ungrouped convolutions with at least 16 input and output channels
    /// use Winograd F(4×4, 3×3) or F(2×2, 3×3) (4× or 2.25× fewer multiply-adds); their results
    /// differ from direct summation by rounding only (about 1e-5 relative with 128 input channels).
    /// Everything else lowers the windows to columns (im2col) and calls BLAS GEMM. Either way the
    /// batch is split across Flint's threads and the result does not depend on thread timing.
    ///
    /// - Parameters:
    ///   - weight: [Cout, Cin/groups, kH, kW].
    ///   - bias: [Cout], or nil.
    ///   - stride: (vertical, horizontal) step between output positions.
    ///   - padding: zeros added on each side (top/bottom, left/right).
    ///   - dilation: spacing between kernel taps.
    ///   - groups: Cin and Cout are split into this many independent groups.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        require(dtype == .float32 && weight.dtype == .float32,
                     "conv2d: expects float32 input and weight, got \(dtype) and \(weight.dtype)")
        require(rank == 4, "conv2d: input must be [N, C, H, W], got \(shape)")
        require(weight.rank == 4, "conv2d: weight must be [Cout, Cin/groups, kH, kW], got \(weight.shape)")
        require(groups >= 1, "conv2d: groups must be positive, got \(groups)")
        require(shape[1] > 0, "conv2d: input \(shape) has no channels")
        require(stride.0 >= 1 && stride.1 >= 1, "conv2d: stride must be positive, got \(stride)")
        require(padding.0 >= 0 && padding.1 >= 0, "conv2d: padding must be non-negative, got \(padding)")
        require(dilation.0 >= 1 && dilation.1 >= 1, "conv2d: dilation must be positive, got \(dilation)")
        let inputChannels = shape[1], outputChannels = weight.shape[0]
        require(inputChannels % groups == 0 && outputChannels % groups == 0,
                     "conv2d: input channels \(inputChannels) and output channels \(outputChannels) must be divisible by groups \(groups) (input \(shape), weight \(weight.shape))")
        require(weight.shape[1] == inputChannels / groups,
                     "conv2d: weight \(weight.shape) expects \(weight.shape[1] * groups) input channels, input \(shape) has \(inputChannels) (groups \(groups))")
        if let bias {
            require(bias.dtype == .float32 && bias.shape == [outputChannels],
                         "conv2d: bias must be float32 [\(outputChannels)], got \(bias.dtype) \(bias.shape)")
        }
        let kernelHeight = weight.shape[2], kernelWidth = weight.shape[3]
        let spanY = dilation.0 * (kernelHeight - 1) + 1, spanX = dilation.1 * (kernelWidth - 1) + 1
        let paddedHeight = shape[2] + 2 * padding.0, paddedWidth = shape[3] + 2 * padding.1
        require(kernelHeight >= 1 && kernelWidth >= 1 && spanY <= paddedHeight && spanX <= paddedWidth,
                     "conv2d: kernel \(weight.shape) (dilation \(dilation)) does not fit the padded input \(shape) (padding \(padding))")
        let geometry = ConvolutionGeometry(
            batch: shape[0], inputChannels: inputChannels, height: shape[2], width: shape[3],
            outputChannels: outputChannels, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
            strideY: stride.0, strideX: stride.1, paddingY: padding.0, paddingX: padding.1,
            dilationY: dilation.0, dilationX: dilation.1, groups: groups,
            outputHeight: (paddedHeight - spanY) / stride.0 + 1, outputWidth: (paddedWidth - spanX) / stride.1 + 1)

        let input = contiguous(), kernel = weight.contiguous()
        let biasValues = bias?.contiguous()
        let out = Tensor(uninitializedShape: [geometry.batch, outputChannels, geometry.outputHeight, geometry.outputWidth])
        if out.count > 0 {
            Tensor.convolutionForward(geometry, input: input.pointer(as: Float.self), weight: kernel.pointer(as: Float.self),
                                      bias: biasValues.map { UnsafePointer($0.pointer(as: Float.self)) },
                                      output: out.pointer(as: Float.self))
        }
        var inputs = [input, kernel]
        if let biasValues { inputs.append(biasValues) }
        let needInput = input.requiresGrad, needWeight = kernel.requiresGrad, needBias = biasValues?.requiresGrad ?? false
        let x = input.detached(), w = kernel.detached()
        return Tensor.record(out, op: "conv2d", inputs: inputs) { g in
            let dy = g.contiguous()
            let gradients = Tensor.convolutionBackward(geometry, input: x, weight: w, outputGradient: dy,
                                                       needInput: needInput, needWeight: needWeight, needBias: needBias)
            var result: [Tensor?] = [gradients.input, gradients.weight]
            if biasValues != nil { result.append(gradients.bias) }
            return result
        }
    }

    /// How many threads a convolution pass of `multiplyAdds` over `batch` images uses: one per
    /// image chunk when there is enough work (≳ 50 µs), else 1.
    private static func convolutionTasks(batch: Int, multiplyAdds: Int) -> Int {
        if multiplyAdds < (1 << 21) { return 1 }
        return max(1, min(Parallel.threadCount, batch))
    }

    /// y = conv(x, w) + bias, written to `output` (NCHW, contiguous).
    static func convolutionForward(_ g: ConvolutionGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                   bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let k = g.columnRows, positions = g.outputPlane
        let groupIn = g.groupInputChannels, groupOut = g.groupOutputChannels
        let tasks = convolutionTasks(batch: g.batch, multiplyAdds: g.multiplyAdds)
        // A lone image with plenty of work splits each GEMM instead of the batch.
        if WinogradPlan.applies(to: g) {
            winogradForward(WinogradPlan(g), tasks: tasks, splitPositions: tasks == 1 && g.multiplyAdds >= (1 << 21),
                            input: input, weight: weight, bias: bias, output: output)
            return
        }
        let splitGEMM = tasks == 1 && Parallel.threadCount > 1 && g.multiplyAdds >= (1 << 21)
        let columnFloats = g.isPointwise ? 0 : k * positions
        let rowMajor = BLASOperand(transposed: false, leadingDimension: k)
        let columnsOperand = BLASOperand(transposed: false, leadingDimension: positions)
        Workspace.with(count: tasks, floats: columnFloats) { workspaces in
            Parallel.run(tasks: tasks) { t in
                let columns = workspaces[t].base
                for n in (g.batch * t / tasks)..<(g.batch * (t + 1) / tasks) {
                    let x = input + n * g.inputChannels * g.inputPlane
                    let y = output + n * g.outputChannels * positions
                    for group in 0..<g.groups {
                        let xg = x + group * groupIn * g.inputPlane
                        let source: UnsafePointer<Float>
                        if g.isPointwise {
                            source = xg
                        } else {
                            im2col(xg, channels: groupIn, g, into: columns)
                            source = UnsafePointer(columns)
                        }
                        let wg = weight + group * groupOut * k, yg = y + group * groupOut * positions
                        if splitGEMM {
                            parallelSGEMM(wg, rowMajor, source, columnsOperand, yg, ldc: positions,
                                          m: groupOut, n: positions, k: k)
                        } else {
                            sgemm(wg, rowMajor, source, columnsOperand, yg, ldc: positions, m: groupOut, n: positions, k: k)
                        }
                    }
                    if let bias {
                        for o in 0..<g.outputChannels {
                            let row = y + o * positions
                            let b = bias[o], vb = SIMD8<Float>(repeating: b)
                            var i = 0
                            while i + 8 <= positions { storeVector(loadVector(row + i) + vb, row + i); i += 8 }
                            while i < positions { row[i] += b; i += 1 }
                        }
                    }
                }
            }
        }
    }

    /// The gradients of conv2d with respect to the input, weight and bias (each only when asked).
    static func convolutionBackward(_ g: ConvolutionGeometry, input: Tensor, weight: Tensor, outputGradient: Tensor,
                                    needInput: Bool, needWeight: Bool, needBias: Bool)
        -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let k = g.columnRows, positions = g.outputPlane
        let groupIn = g.groupInputChannels, groupOut = g.groupOutputChannels
        let weightCount = g.outputChannels * k
        let inputGradient = needInput ? Tensor(uninitializedShape: input.shape) : nil
        let weightGradient = needWeight ? Tensor(uninitializedShape: weight.shape) : nil
        let biasGradient = needBias ? Tensor(uninitializedShape: [g.outputChannels]) : nil
        let work = g.multiplyAdds * ((needInput ? 1 : 0) + (needWeight ? 1 : 0))
        let tasks = g.batch == 0 ? 1 : convolutionTasks(batch: g.batch, multiplyAdds: work)
        let splitGEMM = tasks == 1 && Parallel.threadCount > 1 && work >= (1 << 21)
        if WinogradPlan.applies(to: g) && g.batch > 0 {
            winogradBackward(WinogradPlan(g), tasks: tasks, splitPositions: splitGEMM,
                             input: UnsafePointer(input.pointer(as: Float.self)),
                             weight: UnsafePointer(weight.pointer(as: Float.self)),
                             outputGradient: UnsafePointer(outputGradient.pointer(as: Float.self)),
                             inputGradient: inputGradient?.pointer(as: Float.self),
                             weightGradient: weightGradient?.pointer(as: Float.self),
                             biasGradient: biasGradient?.pointer(as: Float.self))
            return (inputGradient, weightGradient, biasGradient)
        }

        // Workspace layout per task: columns | column gradient | weight accumulator (tasks > 0) | bias accumulator.
        let columnFloats = needWeight && !g.isPointwise ? Workspace.aligned(k * positions) : 0
        let columnGradientFloats = needInput && !g.isPointwise ? Workspace.aligned(k * positions) : 0
        let weightAccumulatorFloats = needWeight ? Workspace.aligned(weightCount) : 0
        let biasAccumulatorFloats = needBias ? Workspace.aligned(g.outputChannels) : 0
        let perTask = columnFloats + columnGradientFloats + weightAccumulatorFloats + biasAccumulatorFloats

        let x = UnsafePointer(input.pointer(as: Float.self)), w = UnsafePointer(weight.pointer(as: Float.self))
        let dy = UnsafePointer(outputGradient.pointer(as: Float.self))
        let dx = inputGradient?.pointer(as: Float.self)
        let dwFinal = weightGradient?.pointer(as: Float.self), dbFinal = biasGradient?.pointer(as: Float.self)
        let plain = { (ld: Int) in BLASOperand(transposed: false, leadingDimension: ld) }
        let flipped = { (ld: Int) in BLASOperand(transposed: true, leadingDimension: ld) }

        Workspace.with(count: tasks, floats: perTask) { workspaces in
            Parallel.run(tasks: tasks) { t in
                let base = workspaces[t].base
                let columns = base, columnGradient = base + columnFloats
                // Task 0 accumulates straight into the result; the others into their workspace.
                let dw = t == 0 ? dwFinal : base + columnFloats + columnGradientFloats
                let db = t == 0 ? dbFinal : base + columnFloats + columnGradientFloats + weightAccumulatorFloats
                if let db { zeroFloats(db, g.outputChannels) }
                let first = g.batch * t / tasks, end = g.batch * (t + 1) / tasks
                if first == end, let dw { zeroFloats(dw, weightCount) }
                for n in first..<end {
                    let xn = x + n * g.inputChannels * g.inputPlane
                    let dyn = dy + n * g.outputChannels * positions
                    if let db {
                        for o in 0..<g.outputChannels { db[o] += sumContiguous(dyn + o * positions, positions) }
                    }
                    if let dx { zeroFloats(dx + n * g.inputChannels * g.inputPlane, g.isPointwise ? 0 : g.inputChannels * g.inputPlane) }
                    for group in 0..<g.groups {
                        let xg = xn + group * groupIn * g.inputPlane
                        let dyg = dyn + group * groupOut * positions
                        let wg = w + group * groupOut * k
                        if let dw {
                            // dW_g (+)= dY_g [groupOut, positions] · Cᵀ [positions, k]
                            let source: UnsafePointer<Float>
                            if g.isPointwise {
                                source = xg
                            } else {
                                im2col(xg, channels: groupIn, g, into: columns)
                                source = UnsafePointer(columns)
                            }
                            let dwg = dw + group * groupOut * k
                            let beta: Float = n == first ? 0 : 1
                            if splitGEMM {
                                parallelSGEMM(dyg, plain(positions), source, flipped(positions), dwg, ldc: k,
                                              m: groupOut, n: k, k: positions, beta: beta)
                            } else {
                                sgemm(dyg, plain(positions), source, flipped(positions), dwg, ldc: k,
                                      m: groupOut, n: k, k: positions, beta: beta)
                            }
                        }
                        if let dx {
                            // dC = W_gᵀ [k, groupOut] · dY_g [groupOut, positions], then col2im.
                            let dxg = dx + n * g.inputChannels * g.inputPlane + group * groupIn * g.inputPlane
                            let target = g.isPointwise ? dxg : columnGradient
                            if splitGEMM {
                                parallelSGEMM(wg, flipped(k), dyg, plain(positions), target, ldc: positions,
                                              m: k, n: positions, k: groupOut)
                            } else {
                                sgemm(wg, flipped(k), dyg, plain(positions), target, ldc: positions,
                                      m: k, n: positions, k: groupOut)
                            }
                            if !g.isPointwise { col2im(columnGradient, channels: groupIn, g, into: dxg) }
                        }
                    }
                }
            }
            // Fold the other tasks' partial sums into task 0's, in task order (deterministic).
            for t in 1..<max(tasks, 1) {
                let base = workspaces[t].base + columnFloats + columnGradientFloats
                if let dwFinal { accumulateFloats(dwFinal, base, weightCount) }
                if let dbFinal { accumulateFloats(dbFinal, base + weightAccumulatorFloats, g.outputChannels) }
            }
        }
        return (inputGradient, weightGradient, biasGradient)
    }
}
