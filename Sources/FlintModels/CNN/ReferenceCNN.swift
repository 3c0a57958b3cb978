import Flint
import FlintNN

/// Flint's reference convolutional network for small images (Fashion-MNIST 1×28×28, CIFAR-style 3×32×32).
///
///     features:   conv(in→64, 3×3, pad 1) → BN → ReLU → maxpool 2
///                 conv(64→128, 3×3, pad 1) → BN → ReLU → maxpool 2
///                 conv(128→256, 3×3, pad 1) → BN → ReLU → adaptive avg pool 1×1
///     classifier: flatten → dropout 0.5 → linear 256→128 → ReLU → dropout 0.3 → linear 128→classes
///
/// Parameter names follow the equivalent PyTorch module with `features` and `classifier`
/// `nn.Sequential`s (`features.0.weight`, `features.1.running_mean`, `classifier.2.weight`, …), so a
/// checkpoint loads into PyTorch with `load_state_dict` and back.
public final class ReferenceCNN: Module, UnaryLayer {
    /// The convolutional trunk.
    public let features: Sequential
    /// The classification head.
    public let classifier: Sequential
    /// Channels of the input images.
    public let inputChannels: Int
    /// Number of output classes.
    public let classes: Int

    /// A freshly initialised network (PyTorch's default initialisations, from the default generator).
    public init(inputChannels: Int = 1, classes: Int = 10) {
        self.inputChannels = inputChannels
        self.classes = classes
        features = Sequential([
            Conv2d(inputChannels: inputChannels, outputChannels: 64, kernelSize: 3, padding: 1),
            BatchNorm2d(features: 64), ReLU(), MaxPool2d(kernelSize: 2),
            Conv2d(inputChannels: 64, outputChannels: 128, kernelSize: 3, padding: 1),
            BatchNorm2d(features: 128), ReLU(), MaxPool2d(kernelSize: 2),
            Conv2d(inputChannels: 128, outputChannels: 256, kernelSize: 3, padding: 1),
            BatchNorm2d(features: 256), ReLU(), AdaptiveAvgPool2d(outputSize: 1),
        ])
        classifier = Sequential([
            Flatten(), Dropout(probability: 0.5), Linear(inputFeatures: 256, outputFeatures: 128), ReLU(),
            Dropout(probability: 0.3), Linear(inputFeatures: 128, outputFeatures: classes),
        ])
        super.init()
    }

    /// Logits [N, classes] for images [N, inputChannels, H, W].
    public func forward(_ input: Tensor) -> Tensor {
        require(input.rank == 4 && input.shape[1] == inputChannels,
                     "ReferenceCNN: expected input [N, \(inputChannels), H, W], got \(input.shape)")
        return classifier(features(input))
    }
}
