/// The pre-tokenizers of llama.cpp's byte-level BPE (`llm_tokenizer_bpe` in llama-vocab.cpp), chosen by the
/// `tokenizer.ggml.pre` name: a list of regular expressions applied in turn, each splitting every piece the
/// previous ones left (a match becomes a piece, and so does the text between matches), then the flags llama.cpp
/// sets for that name.
///
/// | names | expressions |
/// |---|---|
/// | `default` (and a missing name) | `[\p{P}\$\+<=>\^~\|]+`, GPT-2's, `\p{N}+`, `[0-9][0-9][0-9]` |
/// | `falcon` | ``[\p{P}\$\+<=>\^~\|`]+``, GPT-2's, `[0-9][0-9][0-9]` |
/// | `gpt-2`, `phi-2`, `mpt`, `olmo`, `jais`, `roberta-bpe`, … | GPT-2's |
/// | `smollm`, `starcoder`, `refact`, `command-r`, `codeshell`, `exaone`, `minerva-7b`, `mellum2` | `\p{N}`, GPT-2's |
/// | `llama-bpe`, `llama3`, `llama-v3`, `falcon3`, `pixtral`, `dbrx`, `smaug-bpe`, … | Llama-3's |
/// | `qwen2`, `deepseek-r1-qwen`, `stablelm2`, `megrez`, `hunyuan`, … | Qwen2's (Llama-3's with single digits) |
///
/// GPT-2's expression is `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)` (llama.cpp's
/// own matcher also takes `\s+`), Llama-3's
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
/// they run through Flint's hand-written matchers (`GPT2PatternMatcher`, `Llama3PatternMatcher`), with llama.cpp's
/// character classes (`GGMLUnicode`). A piece's end is the end of the text for the look-ahead `(?!\S)`, as in
/// llama.cpp.
struct GGMLPreTokenizer: Sendable {
    /// One expression.
    enum Stage: Sendable, Equatable {
        /// `\p{N}`: every number on its own.
        case isolateNumbers
        /// `\p{N}+`: runs of numbers.
        case isolateNumberRuns
        /// `[\p{P}\$\+<=>\^~\|]+` (with `` ` `` for falcon).
        case isolatePunctuationRuns(includingBacktick: Bool)
        /// `[0-9][0-9][0-9]`: ASCII digits in threes, from the left.
        case isolateDigitTriples
        /// GPT-2's expression.
        case gpt2
        /// Llama-3's expression; Qwen2's with `maximumDigits` 1.
        case llama3(maximumDigits: Int)
    }

    /// The `tokenizer.ggml.pre` name.
    let name: String
    let stages: [Stage]
    /// Whether llama.cpp's detokenizer removes spaces before `?!.,` and around apostrophes (`clean_spaces`).
    let cleansSpaces: Bool
    /// Whether a piece that is a token as a whole skips the merges (`ignore_merges`).
    let ignoresMerges: Bool
    /// Whether BOS is added when the file has no `tokenizer.ggml.add_bos_token`.
    let addsBOSByDefault: Bool

    private static let smollmStages: [Stage] = [.isolateNumbers, .gpt2]
    private static let llama3Stages: [Stage] = [.llama3(maximumDigits: 3)]
    private static let qwen2Stages: [Stage] = [.llama3(maximumDigits: 1)]

    /// The pre-tokenizer llama.cpp uses for `name` (nil: `default`), or nil if Flint does not implement it.
    static func named(_ name: String?) -> GGMLPreTokenizer? {
        let name = name ?? ""
        func make(_ stages: [Stage], cleansSpaces: Bool, ignoresMerges: Bool = false, addsBOS: Bool = false) -> GGMLPreTokenizer {
            GGMLPreTokenizer(name: name, stages: stages, cleansSpaces: cleansSpaces, ignoresMerges: ignoresMerges, addsBOSByDefault: addsBOS)
        }
        switch name {
        case "", "default":
            return make([.isolatePunctuationRuns(includingBacktick: false), .gpt2, .isolateNumberRuns, .isolateDigitTriples], cleansSpaces: true)
        case "falcon":
            return make([.isolatePunctuationRuns(includingBacktick: true), .gpt2, .isolateDigitTriples], cleansSpaces: true)
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano":
            return make(llama3Stages, cleansSpaces: true, ignoresMerges: true, addsBOS: true)
        case "dbrx", "smaug-bpe":
            return make(llama3Stages, cleansSpaces: true)
        case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert",
             "jina-v1-en", "jina-v2-code", "roberta-bpe", "exaone4", "mpt", "olmo", "jais":
            return make([.gpt2], cleansSpaces: true)
        case "trillion", "granite-docling":
            return make([.gpt2], cleansSpaces: false)
        case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open":
            return make(qwen2Stages, cleansSpaces: false)
        case "megrez", "stablelm2":
            return make(qwen2Stages, cleansSpaces: true)
        case "smollm", "command-r":
            return make(smollmStages, cleansSpaces: false)
        case "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2":
            return make(smollmStages, cleansSpaces: true)
        default:
            return nil
        }
    }

    /// The names `named(_:)` knows, for error messages.
    static let knownNames = ["default", "gpt-2", "llama-bpe", "llama3", "qwen2", "smollm", "starcoder", "falcon", "stablelm2", "…"]

    /// Splits `text` (llama.cpp matching values, see `GGMLUnicode.matchingValue`) into pieces: returns the end
    /// index of each piece, in order (the first starts at 0).
    func split(_ text: UnsafeBufferPointer<UInt32>) -> [Int] {
        if text.isEmpty { return [] }
        var ends = [text.count]
        var next = [Int]()
        for stage in stages {
            next.removeAll(keepingCapacity: true)
            next.reserveCapacity(ends.count * 2)
            var start = 0
            for end in ends {
                Self.apply(stage, to: UnsafeBufferPointer(rebasing: text[start..<end]), offset: start, into: &next)
                start = end
            }
            swap(&ends, &next)
        }
        return ends
    }

    /// Splits one piece (`offset` is its start in the whole text) and appends the end of each new piece.
    private static func apply(_ stage: Stage, to piece: UnsafeBufferPointer<UInt32>, offset: Int, into ends: inout [Int]) {
        let count = piece.count
        switch stage {
        case .gpt2:
            var position = 0
            while position < count {
                position += GPT2PatternMatcher.matchLength(piece, at: position)
                ends.append(offset + position)
            }
        case let .llama3(maximumDigits):
            var position = 0
            while position < count {
                position += Llama3PatternMatcher.matchLength(piece, at: position, maximumDigits: maximumDigits)
                ends.append(offset + position)
            }
        case .isolateNumbers:
            isolateRuns(piece, offset: offset, maximumRun: 1, into: &ends) { ScalarClass.isNumber($0) }
        case .isolateNumberRuns:
            isolateRuns(piece, offset: offset, maximumRun: .max, into: &ends) { ScalarClass.isNumber($0) }
        case let .isolatePunctuationRuns(includingBacktick):
            isolateRuns(piece, offset: offset, maximumRun: .max, into: &ends) {
                GGMLUnicode.isPunctuation($0, includingBacktick: includingBacktick)
            }
        case .isolateDigitTriples:
            var position = 0
            var gapStart = 0
            func isDigit(_ index: Int) -> Bool { index < count && piece[index] >= 0x30 && piece[index] <= 0x39 }
            while position < count {
                if isDigit(position) && isDigit(position + 1) && isDigit(position + 2) {
                    if position > gapStart { ends.append(offset + position) }
                    position += 3
                    ends.append(offset + position)
                    gapStart = position
                } else {
                    position += 1
                }
            }
            if count > gapStart { ends.append(offset + count) }
        }
    }

    /// Makes runs of scalars satisfying `isMember` (at most `maximumRun` long) pieces of their own; the text
    /// between runs stays one piece.
    @inline(__always)
    private static func isolateRuns(_ piece: UnsafeBufferPointer<UInt32>, offset: Int, maximumRun: Int, into ends: inout [Int],
                                    _ isMember: (UInt32) -> Bool) {
        let count = piece.count
        var position = 0
        var gapStart = 0
        while position < count {
            guard isMember(piece[position]) else {
                position += 1
                continue
            }
            if position > gapStart { ends.append(offset + position) }
            var runEnd = position + 1
            while runEnd < count, runEnd - position < maximumRun, isMember(piece[runEnd]) { runEnd += 1 }
            ends.append(offset + runEnd)
            position = runEnd
            gapStart = runEnd
        }
        if count > gapStart { ends.append(offset + count) }
    }
}
