import Foundation

/// A batch of token-id sequences packed end to end: sequence s occupies packed rows
/// `offsets[s]..<offsets[s + 1]`, with its token ids, token-type ids and positions.
struct BertPackedBatch: Sendable {
    /// `B + 1` row offsets; `offsets[B]` is the total token count N.
    let offsets: [Int]
    /// N token ids.
    let tokenIds: [Int32]
    /// N token-type ids.
    let tokenTypes: [Int32]
    /// The longest sequence.
    let longest: Int

    var sequenceCount: Int { offsets.count - 1 }
    var tokenCount: Int { offsets[offsets.count - 1] }
    func length(of sequence: Int) -> Int { offsets[sequence + 1] - offsets[sequence] }

    /// Packs and checks `inputIds` (and `tokenTypeIds`) against `configuration`.
    init(inputIds: [[Int]], tokenTypeIds: [[Int]]?, configuration: BertConfiguration) throws {
        if let tokenTypeIds, tokenTypeIds.count != inputIds.count {
            throw BertEncoderError.invalidInput(
                "tokenTypeIds has \(tokenTypeIds.count) sequences, inputIds has \(inputIds.count)")
        }
        var offsets = [0]
        offsets.reserveCapacity(inputIds.count + 1)
        var longest = 0
        for (s, ids) in inputIds.enumerated() {
            if ids.count > configuration.maximumPositionEmbeddings {
                throw BertEncoderError.invalidInput(
                    "sequence \(s) has \(ids.count) tokens, more than max_position_embeddings (\(configuration.maximumPositionEmbeddings))")
            }
            if let tokenTypeIds, tokenTypeIds[s].count != ids.count {
                throw BertEncoderError.invalidInput(
                    "sequence \(s): \(ids.count) input ids but \(tokenTypeIds[s].count) token-type ids")
            }
            longest = max(longest, ids.count)
            offsets.append(offsets[s] + ids.count)
        }
        let total = offsets[inputIds.count]
        var tokenIds = [Int32](repeating: 0, count: total)
        var tokenTypes = [Int32](repeating: 0, count: total)
        let vocabulary = configuration.vocabularySize, types = configuration.typeVocabularySize
        for (s, ids) in inputIds.enumerated() {
            for (i, id) in ids.enumerated() {
                guard id >= 0 && id < vocabulary else {
                    throw BertEncoderError.invalidInput(
                        "sequence \(s), position \(i): token id \(id) outside the vocabulary 0..<\(vocabulary)")
                }
                tokenIds[offsets[s] + i] = Int32(id)
            }
            if let tokenTypeIds {
                for (i, type) in tokenTypeIds[s].enumerated() {
                    guard type >= 0 && type < types else {
                        throw BertEncoderError.invalidInput(
                            "sequence \(s), position \(i): token type \(type) outside 0..<\(types)")
                    }
                    tokenTypes[offsets[s] + i] = Int32(type)
                }
            }
        }
        self.offsets = offsets
        self.tokenIds = tokenIds
        self.tokenTypes = tokenTypes
        self.longest = longest
    }

    /// Throws when a sequence is empty (heads that read the first token need one).
    func requireNonEmptySequences(for use: String) throws {
        for s in 0..<sequenceCount where length(of: s) == 0 {
            throw BertEncoderError.invalidInput("sequence \(s) is empty; \(use) reads its first token")
        }
    }
}
