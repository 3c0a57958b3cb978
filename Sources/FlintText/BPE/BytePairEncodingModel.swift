import Foundation
import Synchronization

/// A BPE model as in Hugging Face `tokenizers` (`"type": "BPE"` in tokenizer.json): a vocabulary, ranked merges,
/// and the options `unk_token`, `fuse_unk`, `byte_fallback`, `continuing_subword_prefix`,
/// `end_of_word_suffix` and `ignore_merges`.
///
/// A word is split into its Unicode scalars (with the continuing-subword prefix on every scalar but the first
/// and the end-of-word suffix on the last), each looked up in the vocabulary (unknown ones become
/// `<0xXX>` byte tokens with `byte_fallback`, else the unknown token, else they are dropped), and then merged
/// (see `BytePairWord`). `tokenize(bytes:)` takes raw bytes for byte-level vocabularies. Results for words of
/// 4 to 256 units are cached (at most 10,000 words, like Hugging Face) in locked shards: the class is
/// thread-safe and its threads share the cache.
public final class BytePairEncodingModel: Sendable {
    /// One token of a tokenized word: its id and the range of input units (scalars of the word, or bytes for
    /// `tokenize(bytes:)`) it covers.
    public struct Token: Equatable, Sendable {
        /// The token id.
        public var id: Int
        /// The units of the word that the token covers.
        public var range: Range<Int>

        /// Makes a token.
        public init(id: Int, range: Range<Int>) {
            self.id = id
            self.range = range
        }
    }

    /// Token → id.
    public let vocabulary: [String: Int]
    /// id → token (an empty string for ids the vocabulary skips).
    public let tokens: [String]
    /// Whether each id is in the vocabulary.
    private let hasToken: [Bool]
    let merges: BytePairMerges
    /// The token for scalars missing from the vocabulary (nil, or not in the vocabulary: they are dropped).
    public let unknownToken: String?
    let unknownId: Int32?
    /// Whether consecutive unknown scalars become one unknown token.
    public let fusesUnknown: Bool
    /// Whether unknown scalars become their UTF-8 bytes as `<0xXX>` tokens when those exist.
    public let usesByteFallback: Bool
    /// The prefix of tokens that continue a word (e.g. `##`), or nil.
    public let continuingSubwordPrefix: String?
    /// The suffix of tokens that end a word (e.g. `</w>`), or nil.
    public let endOfWordSuffix: String?
    /// Whether a word found whole in the vocabulary skips the merges.
    public let ignoresMerges: Bool

    /// id of each single-scalar token, for scalars < 0x10000 (-1 when absent); bigger scalars use `vocabulary`.
    private let basicPlaneIds: [Int32]
    /// id of the byte-level token of each byte (-1 when absent).
    private let byteIds: [Int32]
    /// Whether the plain per-unit lookup applies (no prefix, no suffix).
    private let plainSymbols: Bool

    /// The word cache, split into independently locked shards so parallel batch encoding rarely contends.
    private let cacheShards: [WordCacheShard] = (0..<16).map { _ in WordCacheShard() }
    static let cacheCapacity = 10_000
    static let cachedWordLength = 256
    /// Shorter words are merged directly: a lookup would cost as much as the merging.
    static let shortestCachedWord = 4

    /// Makes a model. Throws `TokenizerError.invalidFile` (naming `path`) if an id is negative or absurdly large,
    /// or a merge's tokens or result are not in the vocabulary.
    public init(vocabulary: [String: Int], merges: [(String, String)], unknownToken: String? = nil,
                fusesUnknown: Bool = false, usesByteFallback: Bool = false, continuingSubwordPrefix: String? = nil,
                endOfWordSuffix: String? = nil, ignoresMerges: Bool = false, path: String = "tokenizer.json") throws {
        self.vocabulary = vocabulary
        // Ids index arrays: they must be non-negative and not absurdly sparse (a corrupt id must not allocate gigabytes).
        let idLimit = 4 * vocabulary.count + 1_000_000
        for (token, id) in vocabulary where id < 0 || id >= idLimit {
            throw TokenizerError.invalidFile(path: path, field: "model.vocab[\"\(token)\"]",
                                             expected: "an id in 0..<\(idLimit)", found: "\(id)")
        }
        var tokens = [String](repeating: "", count: (vocabulary.values.max() ?? -1) + 1)
        var hasToken = [Bool](repeating: false, count: tokens.count)
        for (token, id) in vocabulary {
            tokens[id] = token
            hasToken[id] = true
        }
        self.tokens = tokens
        self.hasToken = hasToken
        self.merges = try BytePairMerges(merges: merges, vocabulary: vocabulary,
                                         continuingSubwordPrefix: continuingSubwordPrefix, path: path)
        self.unknownToken = unknownToken
        // An unknown token missing from the vocabulary is ignored: Hugging Face loads such files too (and fails
        // only when a scalar needs it; Flint drops the scalar).
        unknownId = unknownToken.flatMap { vocabulary[$0] }.map(Int32.init)
        self.fusesUnknown = fusesUnknown
        self.usesByteFallback = usesByteFallback
        self.continuingSubwordPrefix = continuingSubwordPrefix.flatMap { $0.isEmpty ? nil : $0 }
        self.endOfWordSuffix = endOfWordSuffix.flatMap { $0.isEmpty ? nil : $0 }
        self.ignoresMerges = ignoresMerges
        plainSymbols = self.continuingSubwordPrefix == nil && self.endOfWordSuffix == nil
        var basicPlaneIds = [Int32](repeating: -1, count: 0x10000)
        for (token, id) in vocabulary {
            let scalars = token.unicodeScalars
            if scalars.count == 1, let scalar = scalars.first, scalar.value < 0x10000 {
                basicPlaneIds[Int(scalar.value)] = Int32(id)
            }
        }
        self.basicPlaneIds = basicPlaneIds
        byteIds = ByteLevelAlphabet.scalarForByte.map { basicPlaneIds[Int($0.value)] }
    }

    /// Reads the `model` object of tokenizer.json (`"type": "BPE"`). Unknown keys are ignored; merges may be
    /// `"a b"` strings or `["a", "b"]` pairs.
    public convenience init(json: JSONObject) throws {
        guard let vocabulary = json.values["vocab"] as? [String: Any] else {
            throw json.mismatch("vocab", expected: "an object of token → id")
        }
        var ids: [String: Int] = Dictionary(minimumCapacity: vocabulary.count)
        for (token, value) in vocabulary {
            guard let id = JSONObject.integer(value) else {
                throw TokenizerError.invalidFile(path: json.path, field: json.fieldPath("vocab") + "[\"\(token)\"]",
                                                 expected: "an integer id", found: JSONObject.describe(value))
            }
            ids[token] = id
        }
        let merges = try BytePairMerges.parse(json.values["merges"], path: json.path)
        if json.has("dropout") {
            guard let dropout = json.values["dropout"] as? NSNumber, dropout.doubleValue == 0 else {
                throw json.mismatch("dropout", expected: "null (BPE dropout is a training-time option Flint does not apply)")
            }
        }
        try self.init(vocabulary: ids, merges: merges, unknownToken: json.optionalString("unk_token"),
                      fusesUnknown: json.bool("fuse_unk", default: false), usesByteFallback: json.bool("byte_fallback", default: false),
                      continuingSubwordPrefix: json.optionalString("continuing_subword_prefix"),
                      endOfWordSuffix: json.optionalString("end_of_word_suffix"),
                      ignoresMerges: json.bool("ignore_merges", default: false), path: json.path)
    }

    /// The id of `token`, or nil.
    public func id(for token: String) -> Int? { vocabulary[token] }

    /// The token of `id`, or nil if the vocabulary has no such id.
    public func token(for id: Int) -> String? {
        guard id >= 0, id < tokens.count, hasToken[id] else { return nil }
        return tokens[id]
    }

    /// Tokenizes one word (a pre-token); ranges are scalar offsets into `word`.
    public func tokenize(_ word: String) -> [Token] {
        let values = word.unicodeScalars.map(\.value)
        return values.withUnsafeBufferPointer { tokenize(scalars: $0).map(Self.token) }
    }

    /// Tokenizes one word given as the bytes that the byte-level alphabet spells (each byte is one unit); ranges
    /// are byte offsets. Equivalent to `tokenize(ByteLevelAlphabet.encode(bytes))`.
    public func tokenize(bytes: UnsafeBufferPointer<UInt8>) -> [Token] {
        tokenizeSymbols(bytes: bytes).map(Self.token)
    }

    @inline(__always)
    private static func token(_ symbol: BytePairWord.Symbol) -> Token {
        Token(id: Int(symbol.id), range: Int(symbol.start)..<Int(symbol.start + symbol.length))
    }

    /// Byte-level tokenization into merge symbols (ids with byte ranges).
    func tokenizeSymbols(bytes: UnsafeBufferPointer<UInt8>) -> [BytePairWord.Symbol] {
        guard plainSymbols else {
            let values = bytes.map { ByteLevelAlphabet.scalarForByte[Int($0)].value }
            return values.withUnsafeBufferPointer { tokenize(scalars: $0) }
        }
        let cached = bytes.count >= Self.shortestCachedWord && bytes.count <= Self.cachedWordLength
        let key: [UInt32]? = cached ? bytes.map { ByteLevelAlphabet.scalarForByte[Int($0)].value } : nil
        if let key, let cached = lookUp(key) { return cached }
        var result: [BytePairWord.Symbol]
        if ignoresMerges, let whole = vocabulary[ByteLevelAlphabet.encode(bytes)] {
            result = [BytePairWord.Symbol(id: Int32(whole), start: 0, length: Int32(bytes.count))]
        } else if bytes.allSatisfy({ byteIds[Int($0)] >= 0 }) {
            result = []
            result.reserveCapacity(bytes.count)
            for (index, byte) in bytes.enumerated() {
                result.append(BytePairWord.Symbol(id: byteIds[Int(byte)], start: Int32(index), length: 1))
            }
            BytePairWord.merge(&result, merges: merges)
        } else {
            let values = bytes.map { ByteLevelAlphabet.scalarForByte[Int($0)].value }
            return values.withUnsafeBufferPointer { tokenize(scalars: $0) }
        }
        if let key { store(key, result) }
        return result
    }

    @inline(__always)
    private func shard(_ key: [UInt32]) -> WordCacheShard {
        var hash: UInt32 = 2_166_136_261
        for value in key.prefix(4) { hash = (hash ^ value) &* 16_777_619 }
        return cacheShards[Int(hash >> 28)]
    }

    private func lookUp(_ key: [UInt32]) -> [BytePairWord.Symbol]? {
        shard(key).words.withLock { $0[key] }
    }

    private func store(_ key: [UInt32], _ value: [BytePairWord.Symbol]) {
        let capacity = Self.cacheCapacity / cacheShards.count
        shard(key).words.withLock { words in
            if words.count >= capacity { words.removeAll(keepingCapacity: true) }
            words[key] = value
        }
    }

    /// Tokenizes a word given as scalar values; ranges are scalar offsets.
    func tokenize(scalars word: UnsafeBufferPointer<UInt32>) -> [BytePairWord.Symbol] {
        if word.isEmpty { return [] }
        let cached = word.count >= Self.shortestCachedWord && word.count <= Self.cachedWordLength
        let key: [UInt32]? = cached ? [UInt32](unsafeUninitializedCapacity: word.count) { buffer, initialized in
            _ = buffer.initialize(fromContentsOf: word)
            initialized = word.count
        } : nil
        if let key, let cached = lookUp(key) { return cached }
        var symbols: [BytePairWord.Symbol] = []
        if ignoresMerges, let whole = vocabulary[Self.string(word[...])] {
            symbols = [BytePairWord.Symbol(id: Int32(whole), start: 0, length: Int32(word.count))]
        } else {
            symbols = initialSymbols(word)
            BytePairWord.merge(&symbols, merges: merges)
        }
        if let key { store(key, symbols) }
        return symbols
    }

    private static func string(_ scalars: Slice<UnsafeBufferPointer<UInt32>>) -> String {
        var view = String.UnicodeScalarView()
        for value in scalars { view.append(Unicode.Scalar(value) ?? "\u{FFFD}") }
        return String(view)
    }

    /// The symbols before merging: one per scalar (prefix/suffix applied), byte fallback, unknown tokens.
    private func initialSymbols(_ word: UnsafeBufferPointer<UInt32>) -> [BytePairWord.Symbol] {
        var symbols: [BytePairWord.Symbol] = []
        symbols.reserveCapacity(word.count)
        var pendingUnknown: BytePairWord.Symbol?
        for index in 0..<word.count {
            let value = word[index]
            var id: Int32 = -1
            var text: String?
            if plainSymbols, value < 0x10000 {
                id = basicPlaneIds[Int(value)]
            } else {
                var piece = Self.string(word[index..<(index + 1)])
                if index > 0, let prefix = continuingSubwordPrefix { piece = prefix + piece }
                if index == word.count - 1, let suffix = endOfWordSuffix { piece += suffix }
                id = vocabulary[piece].map(Int32.init) ?? -1
                text = piece
            }
            if id >= 0 {
                if let unknown = pendingUnknown {
                    symbols.append(unknown)
                    pendingUnknown = nil
                }
                symbols.append(BytePairWord.Symbol(id: id, start: Int32(index), length: 1))
                continue
            }
            if usesByteFallback {
                let piece = text ?? Self.string(word[index..<(index + 1)])
                let byteTokens = piece.utf8.map { byte -> Int32 in
                    vocabulary[ByteFallback.token(for: byte)].map(Int32.init) ?? -1
                }
                if byteTokens.allSatisfy({ $0 >= 0 }) {
                    if let unknown = pendingUnknown {
                        symbols.append(unknown)
                        pendingUnknown = nil
                    }
                    // Every byte token covers the whole scalar (Hugging Face reports the character for each byte).
                    for byteId in byteTokens {
                        symbols.append(BytePairWord.Symbol(id: byteId, start: Int32(index), length: 1))
                    }
                    continue
                }
            }
            guard let unknownId else { continue }
            if var unknown = pendingUnknown {
                if fusesUnknown {
                    unknown.length = Int32(index + 1) - unknown.start
                    pendingUnknown = unknown
                    continue
                }
                symbols.append(unknown)
            }
            pendingUnknown = BytePairWord.Symbol(id: unknownId, start: Int32(index), length: 1)
        }
        if let unknown = pendingUnknown { symbols.append(unknown) }
        return symbols
    }
}

/// One lock-protected part of a BPE model's word cache.
final class WordCacheShard: Sendable {
    let words = Mutex<[[UInt32]: [BytePairWord.Symbol]]>([:])
}

/// The `<0xXX>` byte tokens that BPE models with `byte_fallback` (Llama-2, Mistral) use for scalars outside the
/// vocabulary.
public enum ByteFallback {
    /// The token for `byte`: `<0x` + two upper-case hex digits + `>`.
    public static func token(for byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "<0x\(digits[Int(byte >> 4)])\(digits[Int(byte & 15)])>"
    }

    /// The byte a `<0xXX>` token stands for, or nil.
    public static func byte(of token: String) -> UInt8? {
        let utf8 = Array(token.utf8)
        guard utf8.count == 6, utf8[0] == 0x3C, utf8[1] == 0x30, utf8[2] == 0x78, utf8[5] == 0x3E else { return nil }
        return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
    }
}

extension BytePairEncodingModel: TokenizerModel {
    /// Number of entries in the vocabulary.
    public var vocabularySize: Int { vocabulary.count }

    public func tokenize(_ preToken: UnsafeBufferPointer<Unicode.Scalar>, into tokens: inout [ModelToken]) {
        let symbols = preToken.withMemoryRebound(to: UInt32.self) { tokenize(scalars: $0) }
        for symbol in symbols {
            tokens.append(ModelToken(id: Int(symbol.id), range: Int(symbol.start)..<Int(symbol.start + symbol.length)))
        }
    }
}
