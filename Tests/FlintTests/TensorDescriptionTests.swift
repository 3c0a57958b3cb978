import Testing
import Flint

@Suite struct TensorDescriptionTests {
    @Test func floatMatrices() {
        #expect(Tensor([1, 2, 3, 4], shape: [2, 2]).description == "tensor([[1., 2.],\n        [3., 4.]])")
        #expect(Tensor([1.5, 2, 3, 4], shape: [2, 2]).description
                == "tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]])")
        #expect(Tensor([1.5, 2.25, -3.125]).description == "tensor([ 1.5000,  2.2500, -3.1250])")
        #expect(Tensor([1, 2, 3, 4], shape: [2, 2]).transposed().description == "tensor([[1., 3.],\n        [2., 4.]])")
        #expect(Tensor([0, 1, 2, 3, 4, 5, 6, 7], shape: [2, 2, 2]).description
                == "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])")
    }

    @Test func scalarsAndSpecialValues() {
        #expect(Tensor(3.5).description == "tensor(3.5000)")
        #expect(Tensor(2).description == "tensor(2.)")
        #expect(Tensor([1, .nan, .infinity, -.infinity]).description == "tensor([1., nan, inf, -inf])")
        #expect(Tensor([0, 0]).description == "tensor([0., 0.])")
        #expect(Tensor([1e-5, 1]).description == "tensor([1.0000e-05, 1.0000e+00])")
        #expect(Tensor([1, 123_456]).description == "tensor([1.0000e+00, 1.2346e+05])")
    }

    @Test func otherDTypes() {
        #expect(Tensor(integers: [1, 22, -3]).description == "tensor([ 1, 22, -3])")
        #expect(Tensor(integers: [1, 2], dtype: .int32).description == "tensor([1, 2], dtype=int32)")
        #expect(Tensor([1, 0, 2]).greater(0.5).description == "tensor([ True, False,  True])")
        #expect(Tensor([1.5]).to(.float16).description == "tensor([1.5000], dtype=float16)")
        #expect(Tensor.zeros([0]).description == "tensor([])")
        #expect(Tensor.zeros([0, 3]).description == "tensor([], size=(0, 3))")
        #expect(Tensor.zeros([0], dtype: .int64).description == "tensor([], dtype=int64)")
    }

    @Test func gradientSuffixes() {
        let x = Tensor([1, 2]).requiringGrad()
        #expect(x.description == "tensor([1., 2.], requires_grad=True)")
        #expect((x * 2).description == "tensor([2., 4.], grad_fn=<mul>)")
        let long = Tensor.arange(0, 14).requiringGrad()
        #expect(long.description == """
            tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.],
                   requires_grad=True)
            """)
    }

    @Test func lineWrapping() {
        #expect(Tensor.arange(0, 20).description == """
            tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,
                    14., 15., 16., 17., 18., 19.])
            """)
    }

    @Test func summarisedLargeTensors() {
        #expect(Tensor.arange(0, 2000).description == """
            tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,
                    1.9990e+03])
            """)
        #expect(Tensor.ones([2000]).description == "tensor([1., 1., 1.,  ..., 1., 1., 1.])")
        #expect(Tensor.zeros([100, 100]).description == """
            tensor([[0., 0., 0.,  ..., 0., 0., 0.],
                    [0., 0., 0.,  ..., 0., 0., 0.],
                    [0., 0., 0.,  ..., 0., 0., 0.],
                    ...,
                    [0., 0., 0.,  ..., 0., 0., 0.],
                    [0., 0., 0.,  ..., 0., 0., 0.],
                    [0., 0., 0.,  ..., 0., 0., 0.]])
            """)
        // Exactly 1000 elements is not summarised.
        #expect(!Tensor.zeros([1000]).description.contains("..."))
        #expect(Tensor.zeros([1001]).description.contains("..."))
    }
}
