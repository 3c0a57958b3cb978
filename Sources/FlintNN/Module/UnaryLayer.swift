import Flint

/// A ``Module`` that maps one tensor to one tensor (MLX Swift's `UnaryLayer`): linear and convolution
/// layers, activations, normalisation, ``Sequential``, whole models called on token ids.
///
/// Only modules with a single input adopt it, so a module that needs two inputs cannot be called with
/// one by mistake — the call does not compile, instead of stopping the program at run time.
public protocol UnaryLayer: Module {
    /// The computation; call the layer as a function, `layer(x)`.
    func forward(_ input: Tensor) -> Tensor
}

extension UnaryLayer {
    /// Runs ``forward(_:)``.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        forward(input)
    }
}
