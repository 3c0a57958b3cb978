import Flint
import FlintData

/// BERT's masking for masked-language-model pre-training, as transformers'
/// `DataCollatorForLanguageModeling(mlm_probability=0.15)`: each real token that is not special is
/// chosen with probability 15%; a chosen token becomes `[MASK]` with probability 80%, a random
/// non-special token with probability 10%, and stays unchanged with probability 10%. Its label is the
/// original id; every other label is −100 (ignored by the loss).
///
/// Unlike the collator, a sequence with at least one eligible token always gets at least one chosen
/// token (one eligible position drawn uniformly when the coin flips chose none), so short sequences
/// contribute to every step. Draws come from the caller's ``Flint/RandomGenerator``: the same seed
/// gives the same masks.
public struct MaskedLanguageModeling: Sendable {
    /// The label of positions that are not predicted.
    public static let ignoredLabel = -100

    /// The `[MASK]` token id.
    public let maskTokenID: Int
    /// Ids are drawn from 0 ..< vocabularySize for random replacements.
    public let vocabularySize: Int
    /// Ids never chosen and never drawn as replacements (`[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`, …).
    public let specialTokenIDs: Set<Int>
    /// The chance that an eligible token is chosen (`mlm_probability`).
    public var maskingProbability: Double = 0.15
    /// The chance that a chosen token becomes `[MASK]`.
    public var maskTokenProbability: Double = 0.8
    /// The chance that a chosen token becomes a random token (the rest stay unchanged).
    public var randomTokenProbability: Double = 0.1

    /// Masking for a vocabulary of `vocabularySize` ids.
    public init(maskTokenID: Int, vocabularySize: Int, specialTokenIDs: Set<Int>) {
        precondition(maskTokenID >= 0 && maskTokenID < vocabularySize,
                     "MaskedLanguageModeling: [MASK] id \(maskTokenID) is outside the vocabulary 0..<\(vocabularySize)")
        precondition(specialTokenIDs.filter { (0..<vocabularySize).contains($0) }.count < vocabularySize,
                     "MaskedLanguageModeling: every id of the vocabulary of \(vocabularySize) is special")
        self.maskTokenID = maskTokenID
        self.vocabularySize = vocabularySize
        self.specialTokenIDs = specialTokenIDs.union([maskTokenID])
    }

    /// Masks one sequence.
    ///
    /// - Parameters:
    ///   - ids: token ids (may include special tokens and padding).
    ///   - attentionMask: 0 marks padding, which is never chosen; nil: no padding.
    /// - Returns: the model's input ids and the labels (original id where chosen, −100 elsewhere).
    public func mask(_ ids: [Int], attentionMask: [Int]? = nil, generator: inout RandomGenerator) -> (inputIDs: [Int], labels: [Int]) {
        precondition(attentionMask == nil || attentionMask!.count == ids.count,
                     "MaskedLanguageModeling.mask: attention mask of \(attentionMask!.count) for \(ids.count) ids")
        var inputs = ids
        var labels = [Int](repeating: Self.ignoredLabel, count: ids.count)
        var eligibleCount = 0
        var chosenCount = 0
        for i in ids.indices where isEligible(ids[i], attentionMask?[i]) {
            eligibleCount += 1
            if generator.nextDouble() < maskingProbability {
                corrupt(&inputs, &labels, at: i, generator: &generator)
                chosenCount += 1
            }
        }
        if chosenCount == 0 && eligibleCount > 0 {
            var pick = generator.nextInt(below: eligibleCount)
            for i in ids.indices where isEligible(ids[i], attentionMask?[i]) {
                if pick == 0 {
                    corrupt(&inputs, &labels, at: i, generator: &generator)
                    break
                }
                pick -= 1
            }
        }
        return (inputs, labels)
    }

    /// Masks every row of a padded batch: input ids and labels as int64 `[B, T]` tensors.
    public func mask(_ batch: PaddedBatch, generator: inout RandomGenerator) -> (inputIDs: Tensor, labels: Tensor) {
        let shape = batch.inputIDs.shape
        let ids = batch.inputIDs.toIntArray(), attention = batch.attentionMask.toIntArray()
        let length = shape[1]
        var inputs: [Int] = [], labels: [Int] = []
        inputs.reserveCapacity(ids.count)
        labels.reserveCapacity(ids.count)
        for row in 0..<shape[0] {
            let range = (row * length)..<((row + 1) * length)
            let masked = mask(Array(ids[range]), attentionMask: Array(attention[range]), generator: &generator)
            inputs += masked.inputIDs
            labels += masked.labels
        }
        return (Tensor(integers: inputs, shape: shape), Tensor(integers: labels, shape: shape))
    }

    private func isEligible(_ id: Int, _ attention: Int?) -> Bool {
        attention != 0 && !specialTokenIDs.contains(id)
    }

    /// Labels position `i` and replaces its input: [MASK] (80%), a random non-special id (10%), unchanged (10%).
    private func corrupt(_ inputs: inout [Int], _ labels: inout [Int], at i: Int, generator: inout RandomGenerator) {
        labels[i] = inputs[i]
        let draw = generator.nextDouble()
        if draw < maskTokenProbability {
            inputs[i] = maskTokenID
        } else if draw < maskTokenProbability + randomTokenProbability {
            var replacement = generator.nextInt(below: vocabularySize)
            while specialTokenIDs.contains(replacement) { replacement = generator.nextInt(below: vocabularySize) }
            inputs[i] = replacement
        }
    }
}
