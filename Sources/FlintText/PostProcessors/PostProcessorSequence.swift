/// The `Sequence` post-processor (Llama-3: `ByteLevel` offset trimming, then `TemplateProcessing`).
///
/// `ByteLevel` elements only adjust offsets, so they are applied to each sequence of the pair separately; the
/// other elements (at most one: a processor that joins the pair with special tokens) run last, on the trimmed
/// sequences. A file with two joining processors is rejected.
public struct PostProcessorSequence: PostProcessor {
    /// The offset-trimming elements.
    public let byteLevel: [ByteLevelPostProcessor]
    /// The joining element, if any.
    public let joiner: (any PostProcessor)?

    /// A sequence of offset trimmers followed by an optional joining processor.
    public init(byteLevel: [ByteLevelPostProcessor], joiner: (any PostProcessor)?) {
        self.byteLevel = byteLevel
        self.joiner = joiner
    }

    /// Reads `{"type": "Sequence", "processors": [...]}`, building each element through the registry.
    public init(json: JSONObject) throws {
        var byteLevel: [ByteLevelPostProcessor] = []
        var joiner: (any PostProcessor)?
        for (index, element) in try json.objects("processors").enumerated() {
            let processor = try TokenizerComponentRegistry.postProcessor(from: element)
            if let trimmer = processor as? ByteLevelPostProcessor {
                byteLevel.append(trimmer)
            } else if joiner == nil {
                joiner = processor
            } else {
                throw TokenizerError.invalidFile(path: json.path, field: json.fieldPath("processors") + "[\(index)]",
                                                 expected: "at most one processor that adds special tokens besides ByteLevel",
                                                 found: "a second one (\(try element.string("type")))")
            }
        }
        self.init(byteLevel: byteLevel, joiner: joiner)
    }

    public func addedTokenCount(isPair: Bool) -> Int { joiner?.addedTokenCount(isPair: isPair) ?? 0 }

    public func process(_ first: consuming Encoding, pair: Encoding?) -> Encoding {
        var first = first
        var pair = pair
        trimOffsets(&first, &pair)
        if let joiner { return joiner.process(first, pair: pair) }
        if let pair { first.append(contentsOf: pair) }
        return first
    }

    /// Trims offsets like ``process(_:pair:)`` but adds no special tokens.
    public func processWithoutSpecialTokens(_ first: consuming Encoding, pair: Encoding?) -> Encoding {
        var first = first
        var pair = pair
        trimOffsets(&first, &pair)
        if let pair { first.append(contentsOf: pair) }
        return first
    }

    /// Applies every ByteLevel element's `trim_offsets` to both sequences.
    private func trimOffsets(_ first: inout Encoding, _ pair: inout Encoding?) {
        for trimmer in byteLevel where trimmer.trimOffsets {
            trimmer.trim(&first)
            if pair != nil { trimmer.trim(&pair!) }
        }
    }
}
