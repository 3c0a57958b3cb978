/// The five stages of a tokenizer, as in Hugging Face `tokenizers`:
/// normalization → pre-tokenization → model → post-processing, and decoding back to text.
///
/// ## Adding a component
/// 1. Write a `Sendable` struct (or final class) conforming to one of the protocols below, in its own
///    file (`Sources/FlintText/<Family>/<Name>.swift`), with a `///` comment saying what it does.
/// 2. Give it an initialiser from its `tokenizer.json` object: `init(json: JSONObject) throws`. Read
///    fields with `JSONObject`'s accessors so that a bad value throws `TokenizerError.invalidFile`
///    naming the file and the field; ignore keys you do not know.
/// 3. Add one `case "TypeName":` line to the matching switch in `TokenizerComponentRegistry`
///    (`Core/TokenizerComponentRegistry.swift`). Unknown types already throw
///    `TokenizerError.unsupportedComponent` naming the type.
/// 4. Test it against values made by the Hugging Face tokenizer (`scripts/fixtures/`).
///
/// Offsets are Unicode-scalar positions. Normalizers and pre-tokenizers must keep
/// `NormalizedText.originStart`/`originEnd` aligned with the original text; models report token
/// ranges relative to the pre-token they were given; the tokenizer maps them back to the original.

/// Rewrites text before it is split (lowercasing, accent stripping, Unicode normalization, …).
public protocol Normalizer: Sendable {
    /// Normalizes `text` in place, keeping every scalar's alignment to the original text.
    func normalize(_ text: inout NormalizedText)
    /// The normalization of the original scalars `original`, which start at scalar `offset` of the
    /// text. The default makes a `NormalizedText` and calls `normalize(_:)`; a normalizer may
    /// override it to skip that copy.
    func normalized(original: UnsafeBufferPointer<Unicode.Scalar>, offset: Int) -> NormalizedText
}

extension Normalizer {
    public func normalized(original: UnsafeBufferPointer<Unicode.Scalar>, offset: Int) -> NormalizedText {
        var text = NormalizedText(original: original, offset: offset)
        normalize(&text)
        return text
    }
}

/// Cuts normalized text into pre-tokens (words, punctuation, regex matches, …).
public protocol PreTokenizer: Sendable {
    /// Refines `text.splits` (and may rewrite `text`, keeping its alignment).
    func preTokenize(_ text: inout PreTokenizedText)
}

/// One token produced by a model from a pre-token: its id and the scalars of the pre-token it covers.
public struct ModelToken: Sendable, Equatable {
    /// The vocabulary id.
    public var id: Int
    /// The scalars of the pre-token it covers (relative to the pre-token's start).
    public var range: Range<Int>

    /// A token with `id` covering `range` of its pre-token.
    public init(id: Int, range: Range<Int>) {
        self.id = id
        self.range = range
    }
}

/// Turns one pre-token into vocabulary ids (WordPiece, BPE, …).
public protocol TokenizerModel: Sendable {
    /// Appends the tokens of `preToken` to `tokens`. The token string of each is `token(for: id)`.
    func tokenize(_ preToken: UnsafeBufferPointer<Unicode.Scalar>, into tokens: inout [ModelToken])
    /// The id of a vocabulary entry.
    func id(for token: String) -> Int?
    /// The vocabulary entry of an id.
    func token(for id: Int) -> String?
    /// Number of entries in the model's vocabulary (added tokens not included).
    var vocabularySize: Int { get }
}

/// Adds special tokens and type ids around one sequence or a pair (`[CLS] A [SEP] B [SEP]`).
public protocol PostProcessor: Sendable {
    /// How many tokens `process` adds for a single sequence or a pair (truncation leaves room for them).
    func addedTokenCount(isPair: Bool) -> Int
    /// Joins `first` and `pair` with the special tokens. Called only when special tokens are wanted;
    /// overflowing parts are processed by the tokenizer, not here. The arguments are consumed, so an
    /// implementation may reuse their storage.
    func process(_ first: consuming Encoding, pair: Encoding?) -> Encoding
    /// Joins `first` and `pair` when special tokens are not wanted. Hugging Face still runs the
    /// post-processor then, so processors that adjust offsets (ByteLevel's `trim_offsets`) do it here too;
    /// the default concatenates.
    func processWithoutSpecialTokens(_ first: consuming Encoding, pair: Encoding?) -> Encoding
}

extension PostProcessor {
    public func processWithoutSpecialTokens(_ first: consuming Encoding, pair: Encoding?) -> Encoding {
        var result = first
        if let pair { result.append(contentsOf: pair) }
        return result
    }
}

/// Turns token strings back into text pieces (joining `##` pieces, undoing byte-level mapping, …).
/// The tokenizer concatenates the returned pieces.
public protocol TokenDecoder: Sendable {
    /// Maps the tokens to text pieces (Hugging Face's `decode_chain`).
    func decodeChain(_ tokens: [String]) -> [String]
}
