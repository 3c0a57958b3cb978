import Testing
import Flint
import FlintTestSupport

/// Max pooling by definition (first maximum in row-major scan order wins), for one [H, W] plane.
private func referenceMaxPool(_ plane: [Float], h: Int, w: Int, kernel: (Int, Int), stride: (Int, Int),
                              padding: (Int, Int)) -> (values: [Float], argmax: [Int]) {
    let ho = (h + 2 * padding.0 - kernel.0) / stride.0 + 1, wo = (w + 2 * padding.1 - kernel.1) / stride.1 + 1
    var values: [Float] = [], argmax: [Int] = []
    for i in 0..<ho {
        for j in 0..<wo {
            var best = -Float.infinity, bestIndex = -1
            for p in 0..<kernel.0 {
                for q in 0..<kernel.1 {
                    let row = i * stride.0 - padding.0 + p, column = j * stride.1 - padding.1 + q
                    if row < 0 || row >= h || column < 0 || column >= w { continue }
                    let index = row * w + column
                    if bestIndex < 0 || plane[index] > best {
                        best = plane[index]
                        bestIndex = index
                    }
                }
            }
            values.append(best)
            argmax.append(bestIndex)
        }
    }
    return (values, argmax)
}

@Suite struct PoolingTests {
    @Test func maxPoolTiesGoToFirstMaximum() {
        let x = Tensor([1, 3, 3, 2,
                        3, 0, 1, 2,
                        5, 5, 0, 0,
                        5, 4, 0, 0], shape: [1, 1, 4, 4]).requiringGrad()
        let y = x.maxPool2d(kernelSize: (2, 2))
        #expect(y.shape == [1, 1, 2, 2])
        #expect(y.toArray() == [3, 3, 5, 0])
        y.backward(gradient: Tensor([1, 2, 3, 4], shape: [1, 1, 2, 2]))
        #expect(x.grad!.toArray() == [0, 1, 2, 0,
                                      0, 0, 0, 0,
                                      3, 0, 4, 0,
                                      0, 0, 0, 0])
    }

    @Test func maxPoolOverlappingWindowsWithPaddingHandComputed() {
        // 3×3 windows, stride 2, padding 1 over a 4×4 plane: Ho = (4 + 2 - 3)/2 + 1 = 2.
        let x = Tensor((0..<16).map { Float(($0 * 7) % 16) }, shape: [1, 1, 4, 4]).requiringGrad()
        // plane: 0 7 14 5 / 12 3 10 1 / 8 15 6 13 / 4 11 2 9
        let y = x.maxPool2d(kernelSize: (3, 3), stride: (2, 2), padding: (1, 1))
        #expect(y.toArray() == [12, 14, 15, 15])
        y.backward(gradient: Tensor([1, 1, 1, 1], shape: [1, 1, 2, 2]))
        // 15 wins two windows, so its gradient accumulates.
        var expected = [Float](repeating: 0, count: 16)
        expected[4] = 1; expected[2] = 1; expected[9] = 2
        #expect(x.grad!.toArray() == expected)
    }

    @Test func maxPoolMatchesReferenceWithManyTies() {
        // Small integers make ties frequent; width 21 exercises the 8-wide path and its scalar tail.
        let configurations: [((Int, Int), (Int, Int)?, (Int, Int))] = [
            ((2, 2), nil, (0, 0)), ((3, 3), (2, 2), (1, 1)), ((2, 3), (1, 2), (1, 1)), ((3, 2), (3, 1), (0, 1)),
        ]
        let h = 7, w = 21
        let values = (0..<(3 * h * w)).map { Float(($0 * 37 + 11) % 5) }
        for (kernel, stride, padding) in configurations {
            let x = Tensor(values, shape: [1, 3, h, w]).requiringGrad()
            let y = x.maxPool2d(kernelSize: kernel, stride: stride, padding: padding)
            let upstream = (0..<y.count).map { Float($0 % 13) + 1 }
            y.backward(gradient: Tensor(upstream, shape: y.shape))
            let grad = x.grad!.toArray()
            let outPlane = y.shape[2] * y.shape[3]
            for c in 0..<3 {
                let plane = Array(values[(c * h * w)..<((c + 1) * h * w)])
                let r = referenceMaxPool(plane, h: h, w: w, kernel: kernel, stride: stride ?? kernel, padding: padding)
                #expect(Array(y.toArray()[(c * outPlane)..<((c + 1) * outPlane)]) == r.values, "\(kernel) \(String(describing: stride)) \(padding)")
                var expected = [Float](repeating: 0, count: h * w)
                for o in 0..<outPlane { expected[r.argmax[o]] += upstream[c * outPlane + o] }
                #expect(Array(grad[(c * h * w)..<((c + 1) * h * w)]) == expected, "\(kernel) \(String(describing: stride)) \(padding)")
            }
        }
    }

    @Test func maxPoolPropagatesNaN() {
        var values = [Float](repeating: 1, count: 32)
        values[3] = .nan
        values[20] = .nan
        let x = Tensor(values, shape: [1, 1, 2, 16])
        let y = x.maxPool2d(kernelSize: (2, 2)).toArray()
        #expect(y[1].isNaN && y[2].isNaN)
        #expect(y[0] == 1 && y[3] == 1)
    }

    @Test func maxPoolGradientMatchesFiniteDifferences() {
        // Distinct values 0.1 apart so a finite-difference step never changes the argmax.
        var generator = RandomGenerator(seed: 5)
        let order = generator.permutation(2 * 2 * 5 * 6)
        let x = Tensor(order.map { Float($0) * 0.1 }, shape: [2, 2, 5, 6]).requiringGrad()
        #expect(GradientCheck.maxError([x]) { $0[0].maxPool2d(kernelSize: (2, 2)) } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0].maxPool2d(kernelSize: (3, 2), stride: (2, 1), padding: (1, 1)) } < 1e-3)
    }

    @Test func maxPoolAcceptsThreeDimensionalInput() {
        let x = Tensor([1, 4, 3, 2, 9, 8, 7, 6], shape: [2, 2, 2]).requiringGrad()
        let y = x.maxPool2d(kernelSize: (2, 2))
        #expect(y.shape == [2, 1, 1])
        #expect(y.toArray() == [4, 9])
        y.sum().backward()
        #expect(x.grad!.toArray() == [0, 1, 0, 0, 1, 0, 0, 0])
        #expect(withNoGrad { x.maxPool2d(kernelSize: (2, 2)) }.gradientFunctionName == nil)
    }

    @Test func avgPoolPaddingCountsHandComputed() {
        let x = Tensor((1...9).map { Float($0) }, shape: [1, 1, 3, 3])
        // Windows: {1}, {2, 3}, {4, 7}, {5, 6, 8, 9}.
        let included = x.avgPool2d(kernelSize: (2, 2), stride: (2, 2), padding: (1, 1))
        #expect(included.toArray() == [0.25, 1.25, 2.75, 7])
        let excluded = x.avgPool2d(kernelSize: (2, 2), stride: (2, 2), padding: (1, 1), countIncludePad: false)
        #expect(excluded.toArray() == [1, 2.5, 5.5, 7])
        #expect(x.avgPool2d(kernelSize: (2, 2), stride: (1, 1)).toArray() == [3, 4, 6, 7])
    }

    @Test func avgPoolGradients() {
        let x = GradientCheck.random([2, 2, 5, 7], seed: 1)
        #expect(GradientCheck.maxError([x]) { $0[0].avgPool2d(kernelSize: (2, 2)) } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0].avgPool2d(kernelSize: (3, 3), stride: (2, 1), padding: (1, 1)) } < 1e-3)
        #expect(GradientCheck.maxError([x]) {
            $0[0].avgPool2d(kernelSize: (3, 2), stride: (2, 2), padding: (1, 1), countIncludePad: false)
        } < 1e-3)
    }

    @Test func adaptiveBinsForNonDivisibleSizes() {
        // 5 → 3 bins: rows/cols [0, 2), [1, 4), [3, 5); x[r, c] = 5r + c, so y[i, j] = 5·m_i + m_j
        // with bin means m = [0.5, 2, 3.5].
        let x = Tensor((0..<25).map { Float($0) }, shape: [1, 1, 5, 5])
        let y = x.adaptiveAvgPool2d(outputSize: (3, 3))
        #expect(y.toArray() == [3, 4.5, 6, 10.5, 12, 13.5, 18, 19.5, 21])
        // 5 rows → 2 bins [0, 3), [2, 5) (means 1, 3); 5 columns → 1 bin (mean 2).
        #expect(x.adaptiveAvgPool2d(outputSize: (2, 1)).toArray() == [7, 17])
        // Global average, the CNN's head.
        #expect(x.adaptiveAvgPool2d(outputSize: (1, 1)).toArray() == [12])
        // Upsampling 2 → 3 bins: [0, 1), [0, 2), [1, 2).
        let small = Tensor([1, 3], shape: [1, 1, 2])
        #expect(small.adaptiveAvgPool2d(outputSize: (1, 3)).toArray() == [1, 2, 3])
    }

    @Test func adaptiveAvgPoolGradients() {
        let x = GradientCheck.random([2, 3, 5, 7], seed: 2)
        #expect(GradientCheck.maxError([x]) { $0[0].adaptiveAvgPool2d(outputSize: (3, 4)) } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0].adaptiveAvgPool2d(outputSize: (1, 1)) } < 1e-3)
        #expect(GradientCheck.maxError([x]) { $0[0].adaptiveAvgPool2d(outputSize: (6, 9)) } < 1e-3)
    }

    @Test func poolingNonContiguousInput() {
        let x = GradientCheck.random([2, 3, 6, 4], seed: 3)
        let viewed = x.transposed(2, 3)
        #expect(viewed.maxPool2d(kernelSize: (2, 2)).toArray() == viewed.contiguous().maxPool2d(kernelSize: (2, 2)).toArray())
        #expect(GradientCheck.maxError([x]) { $0[0].transposed(2, 3).avgPool2d(kernelSize: (2, 3), stride: (1, 1)) } < 1e-3)
    }
}
