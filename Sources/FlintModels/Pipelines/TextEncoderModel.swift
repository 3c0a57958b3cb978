import Foundation
import Flint
import FlintText

/// The pieces every text pipeline shares: a model folder's tokenizer and its BERT inference engine,
/// with the batching that turns many texts into a few packed forward passes.
struct TextEncoderModel: Sendable {
    let folder: ModelFolder
    let tokenizer: Tokenizer
    let encoder: BertEncoder
    let batchSize: Int

    /// Loads `config.json` (model_type must be supported), the weights (memory-mapped safetensors or
    /// pytorch_model.bin) and the tokenizer; inputs are truncated to `maximumLength` tokens.
    init(folder: ModelFolder, options: PipelineOptions, defaultMaximumLength: Int?) throws {
        guard options.batchSize > 0 else {
            throw FlintError.invalidArgument(operation: "pipeline", message: "batch size must be positive, got \(options.batchSize)")
        }
        let configuration = try folder.configuration().decode(BertConfiguration.self)
        let encoder = try BertEncoder(configuration: configuration, weights: folder.loadWeights())
        var tokenizer = try Tokenizer.fromPretrained(folder.url)
        let positionLimit = configuration.maximumPositionEmbeddings
        let limit = min(options.maximumLength ?? defaultMaximumLength ?? tokenizer.modelMaximumLength ?? positionLimit,
                        positionLimit)
        guard limit >= 2 else {
            throw FlintError.invalidArgument(operation: "pipeline", message: "maximum length must be at least 2 tokens, got \(limit)")
        }
        tokenizer.truncation = Truncation(maximumLength: limit)
        tokenizer.padding = nil
        self.folder = folder
        self.tokenizer = tokenizer
        self.encoder = encoder
        self.batchSize = options.batchSize
    }

    /// The longest input in tokens.
    var maximumLength: Int { tokenizer.truncation?.maximumLength ?? encoder.configuration.maximumPositionEmbeddings }

    /// Tokenizes `texts` (with `pairs` as second segments when given), then calls `body` once per batch
    /// of at most `batchSize` sequences with their ids and token types; `body` returns one result per
    /// sequence. Sequences are grouped by length so that each batch holds similar lengths (the packed
    /// encoder wastes nothing on padding either way; grouping keeps the attention blocks even), and the
    /// results come back in the input order.
    func mapBatches<Result>(_ texts: [String], pairs: [String]? = nil,
                            _ body: (_ ids: [[Int]], _ typeIds: [[Int]]) throws -> [Result]) throws -> [Result] {
        if let pairs, pairs.count != texts.count {
            throw FlintError.invalidArgument(operation: "pipeline", message: "\(texts.count) texts but \(pairs.count) pairs")
        }
        if texts.isEmpty { return [] }
        let encodings = tokenizer.encodeBatch(texts, pairs: pairs)
        let order = encodings.indices.sorted { encodings[$0].ids.count < encodings[$1].ids.count }
        var results = [Result?](repeating: nil, count: texts.count)
        var start = 0
        while start < order.count {
            let chunk = order[start..<min(start + batchSize, order.count)]
            let outputs = try body(chunk.map { encodings[$0].ids }, chunk.map { encodings[$0].typeIds })
            guard outputs.count == chunk.count else {
                throw FlintError.invalidArgument(operation: "pipeline", message: "a batch of \(chunk.count) gave \(outputs.count) results")
            }
            for (index, output) in zip(chunk, outputs) { results[index] = output }
            start += batchSize
        }
        return results.map { $0! }
    }
}
