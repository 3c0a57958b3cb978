import Foundation
import Flint

/// Weight initialisers that fill a tensor in place, as `torch.nn.init`.
///
/// Each draws from the process-wide default generator (``RandomGenerator/withDefault(_:)``), so
/// `RandomGenerator.manualSeed(s)` before building a model makes its initial weights
/// reproducible; the `using:` variants take an explicit generator.
public enum Initialization {
    /// How fan-in and fan-out scale an initialiser.
    public enum FanMode: Sendable {
        /// Preserve the variance of activations in the forward pass.
        case fanIn
        /// Preserve the variance of gradients in the backward pass.
        case fanOut
    }

    /// The activation following a layer, which sets the recommended gain.
    public enum Nonlinearity: Sendable {
        /// Identity, convolutions without activation, sigmoid: gain 1.
        case linear
        /// ReLU: gain √2.
        case relu
        /// Leaky ReLU with negative slope `a`: gain √(2 / (1 + a²)).
        case leakyReLU(negativeSlope: Float)
        /// tanh: gain 5/3.
        case tanh
    }

    /// The recommended gain for `nonlinearity` (`torch.nn.init.calculate_gain`).
    public static func gain(_ nonlinearity: Nonlinearity) -> Float {
        switch nonlinearity {
        case .linear: return 1
        case .relu: return Float(2).squareRoot()
        case .leakyReLU(let a): return (2 / (1 + a * a)).squareRoot()
        case .tanh: return 5.0 / 3.0
        }
    }

    /// (fan_in, fan_out) of a weight of `shape`: for `[out, in, k…]`,
    /// fan_in = in·∏k and fan_out = out·∏k.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        require(shape.count >= 2, "Initialization.fans: needs at least 2 dimensions, shape is \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Fills `tensor` with U(low, high).
    /// PyTorch's default initialisation of a layer with fan-in `fanIn` (Linear, Conv2d:
    /// `kaiming_uniform_(a=√5)` for the weight, which is U(−1/√fanIn, 1/√fanIn), and the same bound
    /// for the bias). Returns fresh leaf tensors that require gradients; no bias when `biasShape` is nil.
    public static func defaultLayerParameters(weightShape: [Int], biasShape: [Int]?, fanIn: Int) -> (weight: Tensor, bias: Tensor?) {
        let bound = 1 / Float(fanIn).squareRoot()
        let weight = Tensor(uninitializedShape: weightShape)
        uniform(weight, low: -bound, high: bound)
        var bias: Tensor? = nil
        if let biasShape {
            let b = Tensor(uninitializedShape: biasShape)
            uniform(b, low: -bound, high: bound)
            bias = b.requiringGrad()
        }
        return (weight.requiringGrad(), bias)
    }

    public static func uniform(_ tensor: Tensor, low: Float = 0, high: Float = 1) {
        RandomGenerator.withDefault { uniform(tensor, low: low, high: high, using: &$0) }
    }

    /// Fills `tensor` with U(low, high) from `generator`.
    public static func uniform(_ tensor: Tensor, low: Float, high: Float, using generator: inout RandomGenerator) {
        let p = writablePointer(tensor, "uniform")
        let width = high - low
        for i in 0..<tensor.count { p[i] = low + width * generator.nextFloat() }
    }

    /// Fills `tensor` with N(mean, standardDeviation²).
    public static func normal(_ tensor: Tensor, mean: Float = 0, standardDeviation: Float = 1) {
        RandomGenerator.withDefault { normal(tensor, mean: mean, standardDeviation: standardDeviation, using: &$0) }
    }

    /// Fills `tensor` with N(mean, standardDeviation²) from `generator`.
    public static func normal(_ tensor: Tensor, mean: Float, standardDeviation: Float,
                              using generator: inout RandomGenerator) {
        let p = writablePointer(tensor, "normal")
        for i in 0..<tensor.count { p[i] = mean + standardDeviation * generator.nextNormal() }
    }

    /// Fills `tensor` with `value`.
    public static func constant(_ tensor: Tensor, _ value: Float) {
        let p = writablePointer(tensor, "constant")
        p.update(repeating: value, count: tensor.count)
    }

    /// Kaiming (He) uniform: U(−b, b) with b = gain·√(3 / fan), gain from `nonlinearity`
    /// (`kaiming_uniform_`). PyTorch's default for `Linear` and `Conv2d` weights is
    /// `a = √5` with leaky ReLU, which gives b = 1/√fan_in.
    public static func kaimingUniform(_ tensor: Tensor, mode: FanMode = .fanIn,
                                      nonlinearity: Nonlinearity = .leakyReLU(negativeSlope: 0)) {
        let bound = gain(nonlinearity) * (3 / Float(fan(tensor.shape, mode))).squareRoot()
        uniform(tensor, low: -bound, high: bound)
    }

    /// Kaiming (He) normal: N(0, σ²) with σ = gain / √fan (`kaiming_normal_`).
    public static func kaimingNormal(_ tensor: Tensor, mode: FanMode = .fanIn,
                                     nonlinearity: Nonlinearity = .leakyReLU(negativeSlope: 0)) {
        let std = gain(nonlinearity) / Float(fan(tensor.shape, mode)).squareRoot()
        normal(tensor, mean: 0, standardDeviation: std)
    }

    /// Xavier (Glorot) uniform: U(−b, b) with b = gain·√(6 / (fan_in + fan_out)).
    public static func xavierUniform(_ tensor: Tensor, gain: Float = 1) {
        let (fanIn, fanOut) = fans(tensor.shape)
        let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
        uniform(tensor, low: -bound, high: bound)
    }

    /// Xavier (Glorot) normal: N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out)).
    public static func xavierNormal(_ tensor: Tensor, gain: Float = 1) {
        let (fanIn, fanOut) = fans(tensor.shape)
        normal(tensor, mean: 0, standardDeviation: gain * (2 / Float(fanIn + fanOut)).squareRoot())
    }

    private static func fan(_ shape: [Int], _ mode: FanMode) -> Int {
        let (fanIn, fanOut) = fans(shape)
        let f = mode == .fanIn ? fanIn : fanOut
        require(f > 0, "Initialization: zero fan for shape \(shape)")
        return f
    }

    private static func writablePointer(_ tensor: Tensor, _ op: String) -> UnsafeMutablePointer<Float> {
        require(tensor.dtype == .float32 && tensor.isContiguous,
                     "Initialization.\(op): needs a contiguous float32 tensor, got \(tensor.dtype) \(tensor.shape)")
        return tensor.pointer(as: Float.self)
    }
}
