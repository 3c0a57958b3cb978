import Testing
import Flint
import FlintNN
import FlintTestSupport

@Suite struct PoolingLayerTests {
    private let image = Tensor((0..<16).map(Float.init), shape: [1, 1, 4, 4])

    @Test func maxPoolDefaultsStrideToKernel() {
        #expect(MaxPool2d(kernelSize: 2)(image).toArray() == [5, 7, 13, 15])
        #expect(MaxPool2d(kernelSize: 3, stride: 1)(image).toArray() == [10, 11, 14, 15])
        #expect(MaxPool2d(kernelSize: 2, stride: 2, padding: 1)(image).shape == [1, 1, 3, 3])
    }

    @Test func averagePools() {
        #expect(AvgPool2d(kernelSize: 2)(image).toArray() == [2.5, 4.5, 10.5, 12.5])
        // Padding 1, 2×2 windows, stride 2: the corner window holds only x[0,0] = 0; with
        // countIncludePad false its mean is 0, and the window over x[0,1], x[0,2] averages 1.5.
        let exclusive = AvgPool2d(kernelSize: 2, stride: 2, padding: 1, countIncludePad: false)(image).toArray()
        #expect(exclusive[0] == 0 && exclusive[1] == 1.5)
        let inclusive = AvgPool2d(kernelSize: 2, stride: 2, padding: 1)(image).toArray()
        #expect(inclusive[1] == 0.75)
        #expect(AdaptiveAvgPool2d(outputSize: 1)(image).toArray() == [7.5])
        #expect(AdaptiveAvgPool2d(outputSize: (2, 1))(image).toArray() == [3.5, 11.5])
    }
}
