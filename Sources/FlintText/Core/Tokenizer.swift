import Foundation
import Flint

/// A Hugging Face-compatible tokenizer: added tokens → normalizer → pre-tokenizer → model →
/// post-processor, plus truncation, padding and decoding.
///
/// Load one from a `tokenizer.json` with `Tokenizer(contentsOf:)` (which, like the Rust `tokenizers`
/// library, switches on the truncation and padding stored in the file), or from a model folder with
/// `Tokenizer.fromPretrained(_:)` (which, like transformers' `AutoTokenizer`, pads and truncates only
/// when asked). The value is immutable apart from its settings and safe to share between threads.
public struct Tokenizer: Sendable {
    /// Rewrites the text (lowercase, accents, …); nil keeps it.
    public let normalizer: (any Normalizer)?
    /// Cuts the text into words; nil keeps it whole.
    public let preTokenizer: (any PreTokenizer)?
    /// Turns words into ids.
    public let model: any TokenizerModel
    /// Adds special tokens; nil adds none.
    public let postProcessor: (any PostProcessor)?
    /// Turns tokens back into text; nil joins them with spaces.
    public let decoder: (any TokenDecoder)?
    /// Tokens matched before the model (special tokens and user-added ones); see `addTokens`.
    public private(set) var addedVocabulary: AddedVocabulary
    /// Truncation applied by `encode`/`encodeBatch` (nil: none).
    public var truncation: Truncation?
    /// Padding applied by `encode`/`encodeBatch` (nil: none).
    public var padding: Padding?
    /// The longest input the model accepts (`model_max_length` of `tokenizer_config.json`), when known.
    public var modelMaximumLength: Int?
    /// Whether `decode` also removes the spaces tokenization put before punctuation and contractions
    /// (transformers' `clean_up_tokenization_spaces`; `fromPretrained` reads it from
    /// `tokenizer_config.json`, default false as in transformers 5).
    public var cleanUpTokenizationSpaces = false

    /// A tokenizer from its parts.
    public init(normalizer: (any Normalizer)? = nil, preTokenizer: (any PreTokenizer)? = nil, model: any TokenizerModel,
                postProcessor: (any PostProcessor)? = nil, decoder: (any TokenDecoder)? = nil, addedTokens: [AddedToken] = [],
                truncation: Truncation? = nil, padding: Padding? = nil, modelMaximumLength: Int? = nil) {
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.model = model
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.addedVocabulary = AddedVocabulary(tokens: addedTokens, normalizer: normalizer)
        self.truncation = truncation
        self.padding = padding
        self.modelMaximumLength = modelMaximumLength
    }

    /// Loads a `tokenizer.json`, with the truncation and padding it stores switched on (as the Rust
    /// `tokenizers` library's `Tokenizer.from_file` does).
    public init(contentsOf url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TokenizerError.missingFiles(folder: url.deletingLastPathComponent().path, expected: [url.lastPathComponent])
        }
        try self.init(json: try JSONObject(contentsOf: url))
    }

    /// Builds a tokenizer from a parsed `tokenizer.json`.
    public init(json: JSONObject) throws {
        if let version = try json.optionalString("version"), version != "1.0" {
            throw json.mismatch("version", expected: "\"1.0\"")
        }
        let normalizer = try json.optionalObject("normalizer").map(TokenizerComponentRegistry.normalizer(from:))
        let preTokenizer = try json.optionalObject("pre_tokenizer").map(TokenizerComponentRegistry.preTokenizer(from:))
        let model = try TokenizerComponentRegistry.model(from: try json.object("model"))
        let postProcessor = try json.optionalObject("post_processor").map(TokenizerComponentRegistry.postProcessor(from:))
        let decoder = try json.optionalObject("decoder").map(TokenizerComponentRegistry.decoder(from:))
        let addedTokens = json.has("added_tokens") ? try json.objects("added_tokens").map(AddedToken.init(json:)) : []
        let truncation = try json.optionalObject("truncation").map(Truncation.init(json:))
        let padding = try json.optionalObject("padding").map(Padding.init(json:))
        self.init(normalizer: normalizer, preTokenizer: preTokenizer, model: model, postProcessor: postProcessor,
                  decoder: decoder, addedTokens: addedTokens, truncation: truncation, padding: padding)
    }

    // MARK: - Vocabulary

    /// Vocabulary size including added tokens (Hugging Face's `get_vocab_size(with_added_tokens=True)`).
    public var vocabularySize: Int { vocabularySize(with: addedVocabulary.tokens) }

    /// The id of a token (added tokens first, then the model's vocabulary).
    public func id(for token: String) -> Int? {
        addedVocabulary.id(for: token) ?? model.id(for: token)
    }

    /// The token of an id (added tokens first, then the model's vocabulary).
    public func token(for id: Int) -> String? {
        addedVocabulary.token(for: id)?.content ?? model.token(for: id)
    }

    /// Adds tokens that are matched in the text before the model runs (Hugging Face's `add_tokens` /
    /// `add_special_tokens`): a token already in the vocabulary keeps its id, a new one gets the next
    /// free id. Special tokens match the original text and are skipped when decoding; others match
    /// the normalized text. Returns how many tokens were new to the added vocabulary.
    @discardableResult
    public mutating func addTokens(_ contents: [String], special: Bool = false) -> Int {
        var tokens = addedVocabulary.tokens
        var added = 0
        for content in contents where !content.isEmpty && !tokens.contains(where: { $0.content == content }) {
            let id = model.id(for: content) ?? vocabularySize(with: tokens)
            tokens.append(AddedToken(content: content, id: id, special: special))
            added += 1
        }
        addedVocabulary = AddedVocabulary(tokens: tokens, normalizer: normalizer)
        return added
    }

    private func vocabularySize(with tokens: [AddedToken]) -> Int {
        var size = model.vocabularySize
        for token in tokens where model.token(for: token.id) == nil { size = max(size, token.id + 1) }
        return size
    }

    // MARK: - Encoding

    /// Tokenizes `text` (and `pair`) with special tokens, truncation and padding as set.
    ///
    /// Truncation leaves room for the special tokens; the parts it cuts off are in `overflowing`.
    /// Where Hugging Face raises ("sequence to truncate too short", e.g. `onlyFirst` when the first
    /// text alone cannot absorb the excess), the sequences are left whole. Never throws: every
    /// string can be encoded.
    public func encode(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true) -> Encoding {
        var encoding = encodeUnpadded(text, pair: pair, addSpecialTokens: addSpecialTokens)
        if let padding {
            var batch = [encoding]
            padding.apply(to: &batch)
            encoding = batch[0]
        }
        return encoding
    }

    /// Tokenizes many texts (pairs when `pairs` is given, one per text), in parallel on Flint's
    /// threads for large batches; batch-longest padding pads to the batch's longest encoding.
    public func encodeBatch(_ texts: [String], pairs: [String]? = nil, addSpecialTokens: Bool = true) -> [Encoding] {
        if let pairs { require(pairs.count == texts.count, "encodeBatch: \(texts.count) texts but \(pairs.count) pairs") }
        var encodings = [Encoding](repeating: Encoding(), count: texts.count)
        encodings.withUnsafeMutableBufferPointer { output in
            let output = UnsafeMutableSendableBuffer(output)
            let work = { (range: Range<Int>) in
                for i in range {
                    output.buffer[i] = encodeUnpadded(texts[i], pair: pairs?[i], addSpecialTokens: addSpecialTokens)
                }
            }
            if texts.count >= 64 {
                Parallel.forChunks(texts.count, minimumChunk: 32, work)
            } else {
                work(0..<texts.count)
            }
        }
        padding?.apply(to: &encodings)
        return encodings
    }

    /// Encodes, truncates and post-processes, without padding.
    func encodeUnpadded(_ text: String, pair: String?, addSpecialTokens: Bool) -> Encoding {
        var first = Encoding(capacity: text.utf8.count / 3 + 4)
        appendSequence(text, typeId: 0, sequenceId: 0, to: &first)
        var second: Encoding? = nil
        if let pair {
            var encoding = Encoding(capacity: pair.utf8.count / 3 + 4)
            appendSequence(pair, typeId: 1, sequenceId: 1, to: &encoding)
            second = encoding
        }
        if let truncation {
            let added = addSpecialTokens ? (postProcessor?.addedTokenCount(isPair: second != nil) ?? 0) : 0
            truncation.apply(to: &first, pair: &second, budget: truncation.maximumLength - added)
        }
        return postProcess(first, pair: second, processor: postProcessor, addSpecialTokens: addSpecialTokens)
    }

    /// Joins the sequences with special tokens, overflowing parts too (each first-text part with the
    /// whole pair and with each of its parts, then the first text with each pair part).
    func postProcess(_ first: consuming Encoding, pair second: Encoding?, processor: (any PostProcessor)?,
                     addSpecialTokens: Bool = true) -> Encoding {
        func join(_ a: consuming Encoding, _ pair: Encoding?) -> Encoding {
            if !a.overflowing.isEmpty { a.overflowing = [] }
            var b = pair
            if let part = b, !part.overflowing.isEmpty { b!.overflowing = [] }
            if let processor {
                return addSpecialTokens ? processor.process(a, pair: b) : processor.processWithoutSpecialTokens(a, pair: b)
            }
            if let b { a.append(contentsOf: b) }
            return a
        }
        if first.overflowing.isEmpty && (second?.overflowing.isEmpty ?? true) {
            return join(first, second)
        }
        // Overflowing parts need the whole first encoding after it has been joined.
        let whole = copy first
        var result = join(first, second)
        var overflowing: [Encoding] = []
        for part in whole.overflowing {
            overflowing.append(join(part, second))
            for pairPart in second?.overflowing ?? [] { overflowing.append(join(part, pairPart)) }
        }
        for pairPart in second?.overflowing ?? [] { overflowing.append(join(whole, pairPart)) }
        result.overflowing = overflowing
        return result
    }

    /// Tokenizes one text without special tokens, appending to `encoding`.
    public func appendSequence(_ text: String, typeId: Int, sequenceId: Int, to encoding: inout Encoding) {
        let scalars = NormalizedText.scalars(of: text)
        var word = 0
        var modelTokens: [ModelToken] = []
        modelTokens.reserveCapacity(16)
        var cursor = 0
        let matches = addedVocabulary.originalMatcher.matches(in: scalars, range: 0..<scalars.count)
        for match in matches {
            if cursor < match.range.lowerBound {
                appendFreeText(scalars, range: cursor..<match.range.lowerBound, typeId: typeId, sequenceId: sequenceId,
                               word: &word, modelTokens: &modelTokens, to: &encoding)
            }
            encoding.append(id: match.token.id, token: Tokenizer.string(scalars[match.range]), typeId: typeId, offsets: match.range,
                            wordId: word, sequenceId: sequenceId, isSpecial: false)
            word += 1
            cursor = match.range.upperBound
        }
        if cursor < scalars.count {
            appendFreeText(scalars, range: cursor..<scalars.count, typeId: typeId, sequenceId: sequenceId,
                           word: &word, modelTokens: &modelTokens, to: &encoding)
        }
    }

    /// Normalizes, pre-tokenizes and tokenizes text that holds no original-text added token.
    private func appendFreeText(_ scalars: [Unicode.Scalar], range: Range<Int>, typeId: Int, sequenceId: Int, word: inout Int,
                                modelTokens: inout [ModelToken], to encoding: inout Encoding) {
        let text = scalars.withUnsafeBufferPointer { buffer in
            let original = UnsafeBufferPointer(rebasing: buffer[range])
            return normalizer?.normalized(original: original, offset: range.lowerBound)
                ?? NormalizedText(original: original, offset: range.lowerBound)
        }
        if addedVocabulary.normalizedMatcher.isEmpty {
            appendPreTokens(text, typeId: typeId, sequenceId: sequenceId, word: &word, modelTokens: &modelTokens, to: &encoding)
            return
        }
        var cursor = 0
        for match in addedVocabulary.normalizedMatcher.matches(in: text.scalars, range: 0..<text.count) {
            if cursor < match.range.lowerBound {
                appendPreTokens(text.slice(cursor..<match.range.lowerBound), typeId: typeId, sequenceId: sequenceId,
                                word: &word, modelTokens: &modelTokens, to: &encoding)
            }
            encoding.append(id: match.token.id, token: Tokenizer.string(text.scalars[match.range]), typeId: typeId,
                            offsets: text.originRange(of: match.range), wordId: word, sequenceId: sequenceId, isSpecial: false)
            word += 1
            cursor = match.range.upperBound
        }
        if cursor < text.count {
            appendPreTokens(text.slice(cursor..<text.count), typeId: typeId, sequenceId: sequenceId,
                            word: &word, modelTokens: &modelTokens, to: &encoding)
        }
    }

    /// Pre-tokenizes normalized text and runs the model on every pre-token.
    private func appendPreTokens(_ text: NormalizedText, typeId: Int, sequenceId: Int, word: inout Int,
                                 modelTokens: inout [ModelToken], to encoding: inout Encoding) {
        var preTokenized = PreTokenizedText(text: text)
        preTokenizer?.preTokenize(&preTokenized)
        let text = preTokenized.text
        text.scalars.withUnsafeBufferPointer { scalars in
            for split in preTokenized.splits {
                modelTokens.removeAll(keepingCapacity: true)
                model.tokenize(UnsafeBufferPointer(rebasing: scalars[split]), into: &modelTokens)
                for token in modelTokens {
                    let start = split.lowerBound + token.range.lowerBound
                    let end = split.lowerBound + token.range.upperBound
                    encoding.append(id: token.id, token: model.token(for: token.id) ?? addedVocabulary.token(for: token.id)?.content ?? "",
                                    typeId: typeId, offsets: text.originRange(of: start..<end), wordId: word,
                                    sequenceId: sequenceId, isSpecial: false)
                }
                word += 1
            }
        }
    }

    /// A string of scalars.
    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    // MARK: - Decoding

    /// Turns ids back into text (Hugging Face's `decode`): special added tokens are skipped when
    /// `skipSpecialTokens`, then the decoder joins the tokens (spaces when there is none), then the
    /// tokenization spaces are cleaned up when `cleanUpTokenizationSpaces` (nil: the tokenizer's setting).
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true, cleanUpTokenizationSpaces clean: Bool? = nil) -> String {
        let text = decodeTokens(ids, skipSpecialTokens: skipSpecialTokens)
        return clean ?? cleanUpTokenizationSpaces ? WordPieceDecoder.cleanUpTokenization(text) : text
    }

    private func decodeTokens(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            if let added = addedVocabulary.token(for: id) {
                if skipSpecialTokens && added.special { continue }
                tokens.append(addedVocabulary.decodedContent(for: id) ?? added.content)
            } else if let token = model.token(for: id) {
                tokens.append(token)
            }
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decodeChain(tokens).joined()
    }

    /// Decodes many id sequences.
    public func decodeBatch(_ sequences: [[Int]], skipSpecialTokens: Bool = true) -> [String] {
        sequences.map { decode($0, skipSpecialTokens: skipSpecialTokens) }
    }
}

/// A mutable buffer that parallel chunks write to at disjoint indices.
struct UnsafeMutableSendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}
