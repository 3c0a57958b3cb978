import Flint
import FlintNN

/// Hugging Face's `BertPreTrainedModel._init_weights` for freshly built layers: Linear weights
/// N(0, initializer_range²) with zero bias (embeddings and LayerNorm are set by their owners).
enum BertInitialization {
    /// Set while building a module whose weights a checkpoint is about to overwrite: the
    /// N(0, σ²) fills (the slow part of building a model) are skipped.
    @TaskLocal static var skipsRandomInitialization = false

    /// A `Linear(input → output)` initialised as Hugging Face does.
    static func linear(_ input: Int, _ output: Int, _ configuration: BertConfiguration) -> Linear {
        let layer = Linear(inputFeatures: input, outputFeatures: output)
        if !skipsRandomInitialization {
            Initialization.normal(layer.weight, mean: 0, standardDeviation: Float(configuration.initializerRange))
        }
        if let bias = layer.bias { Initialization.constant(bias, 0) }
        return layer
    }
}
