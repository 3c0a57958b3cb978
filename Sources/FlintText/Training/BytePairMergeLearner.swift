/// Learns BPE merges from word counts, as Hugging Face's `BpeTrainer` does; `WordPieceTrainer` uses it with
/// the `##` continuation prefix.
///
/// 1. The vocabulary starts with the special tokens, then the alphabet: every character of the words, weighted
///    by word count (initial-alphabet characters count as infinitely frequent); with a limit, the least frequent
///    characters are dropped (ties: the higher code point goes first); the kept ones are added in code-point order.
/// 2. Each word becomes symbols: its first character, then `prefix + character` for the others (characters
///    outside the alphabet are dropped). The `##x` symbols join the vocabulary ordered by how many distinct
///    words they occur in (most first), then by code point.
/// 3. Repeatedly, the pair of adjacent symbols with the highest count (weighted by word counts; ties: the pair
///    with the smaller ids) is merged in every word that holds it, and `left + right-without-prefix` joins the
///    vocabulary, until the vocabulary is full or the best count is below `minimumFrequency` (or zero).
///
/// Hugging Face gives the `##x` symbols ids in the order it meets them while walking a randomly seeded hash map
/// of the words, and those ids break ties between equally frequent pairs, so its runs can differ. Flint's order
/// is deterministic and follows the same tendency (a symbol found in many words tends to be met early); when no
/// two candidate pairs tie, the learned vocabulary is the same as Hugging Face's.
struct BytePairMergeLearner {
    /// Token strings, index = id.
    private(set) var tokens: [String] = []
    private var ids: [String: Int32] = [:]
    /// The merges in order: (left id, right id, result id).
    private(set) var merges: [(left: Int32, right: Int32, result: Int32)] = []

    let vocabularySize: Int
    let minimumFrequency: Int
    let limitAlphabet: Int?
    let initialAlphabet: [Unicode.Scalar]
    let continuingSubwordPrefix: String?

    init(vocabularySize: Int, minimumFrequency: Int, limitAlphabet: Int?, initialAlphabet: [Unicode.Scalar],
         continuingSubwordPrefix: String?) {
        self.vocabularySize = vocabularySize
        self.minimumFrequency = minimumFrequency
        self.limitAlphabet = limitAlphabet
        self.initialAlphabet = initialAlphabet
        self.continuingSubwordPrefix = continuingSubwordPrefix
    }

    @discardableResult
    private mutating func add(_ token: String) -> Int32 {
        if let id = ids[token] { return id }
        let id = Int32(tokens.count)
        tokens.append(token)
        ids[token] = id
        return id
    }

    private static func isOrderedBefore(_ left: [Unicode.Scalar], _ right: [Unicode.Scalar]) -> Bool {
        for (a, b) in zip(left, right) where a != b { return a.value < b.value }
        return left.count < right.count
    }

    /// Learns from `wordCounts` (word → occurrences), after adding `specialTokens`.
    mutating func learn(wordCounts: [String: Int], specialTokens: [String]) {
        for token in specialTokens { add(token) }

        // 1. Alphabet.
        let words = wordCounts.map { (scalars: Array($0.key.unicodeScalars), count: $0.value) }
            .sorted { Self.isOrderedBefore($0.scalars, $1.scalars) }
        var frequencies: [Unicode.Scalar: Int] = [:]
        for word in words {
            for scalar in word.scalars { frequencies[scalar, default: 0] += word.count }
        }
        for scalar in initialAlphabet { frequencies[scalar] = Int.max }
        var kept = frequencies.map { (scalar: $0.key, count: $0.value) }
        if let limitAlphabet, kept.count > max(0, limitAlphabet) {
            kept.sort { $0.count != $1.count ? $0.count < $1.count : $0.scalar.value > $1.scalar.value }
            kept.removeFirst(kept.count - max(0, limitAlphabet))
        }
        kept.sort { $0.scalar.value < $1.scalar.value }
        for entry in kept { add(String(entry.scalar)) }

        // 2. Words as symbols. Continuation symbols get their ids first, ordered by the number of distinct
        // words they occur in (most first), then by code point.
        if let prefix = continuingSubwordPrefix {
            var wordsContaining: [Unicode.Scalar: Int] = [:]
            for word in words {
                var seen = Set<Unicode.Scalar>()
                for scalar in word.scalars.dropFirst() where ids[String(scalar)] != nil && seen.insert(scalar).inserted {
                    wordsContaining[scalar, default: 0] += 1
                }
            }
            let ordered = wordsContaining.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.value < $1.key.value }
            for (scalar, _) in ordered { add(prefix + String(scalar)) }
        }
        var symbols: [[Int32]] = []
        symbols.reserveCapacity(words.count)
        let counts = words.map(\.count)
        for word in words {
            var current: [Int32] = []
            current.reserveCapacity(word.scalars.count)
            for (index, scalar) in word.scalars.enumerated() {
                let single = String(scalar)
                guard let id = ids[single] else { continue }
                if index > 0, let prefix = continuingSubwordPrefix {
                    current.append(add(prefix + single))
                } else {
                    current.append(id)
                }
            }
            symbols.append(current)
        }

        // 3. Pair counts, the words holding each pair, and a max-heap of candidates (lazily refreshed).
        var pairCounts: [UInt64: Int] = [:]
        var positions: [UInt64: Set<Int>] = [:]
        for (wordIndex, word) in symbols.enumerated() where word.count > 1 {
            for index in 0..<(word.count - 1) {
                let pair = BytePairMerges.key(word[index], word[index + 1])
                pairCounts[pair, default: 0] += counts[wordIndex]
                positions[pair, default: []].insert(wordIndex)
            }
        }
        var queue = CandidateHeap()
        for (pair, count) in pairCounts where count > 0 { queue.push(count: count, pair: pair) }

        while tokens.count < vocabularySize, let top = queue.pop() {
            let current = pairCounts[top.pair] ?? 0
            if top.count != current {
                if current > 0 { queue.push(count: current, pair: top.pair) }
                continue
            }
            if current < 1 || current < minimumFrequency { break }
            let left = Int32(truncatingIfNeeded: top.pair >> 32)
            let right = Int32(truncatingIfNeeded: top.pair & 0xFFFF_FFFF)
            var rightPart = Substring(tokens[Int(right)])
            if let prefix = continuingSubwordPrefix, rightPart.hasPrefix(prefix) { rightPart = rightPart.dropFirst(prefix.count) }
            let result = add(tokens[Int(left)] + rightPart)
            merges.append((left, right, result))

            // Merge in every word holding the pair and collect the count changes of neighbouring pairs.
            var changes: [UInt64: Int] = [:]
            for wordIndex in (positions.removeValue(forKey: top.pair) ?? []).sorted() {
                let weight = counts[wordIndex]
                var word = symbols[wordIndex]
                var index = 0
                while index + 1 < word.count {
                    if word[index] == left && word[index + 1] == right {
                        if index > 0 {
                            changes[BytePairMerges.key(word[index - 1], left), default: 0] -= weight
                            let added = BytePairMerges.key(word[index - 1], result)
                            changes[added, default: 0] += weight
                            positions[added, default: []].insert(wordIndex)
                        }
                        word[index] = result
                        word.remove(at: index + 1)
                        if index + 1 < word.count {
                            changes[BytePairMerges.key(right, word[index + 1]), default: 0] -= weight
                            let added = BytePairMerges.key(result, word[index + 1])
                            changes[added, default: 0] += weight
                            positions[added, default: []].insert(wordIndex)
                        }
                    }
                    index += 1
                }
                symbols[wordIndex] = word
            }
            pairCounts[top.pair] = nil
            for (pair, change) in changes.sorted(by: { $0.key < $1.key }) {
                let updated = (pairCounts[pair] ?? 0) + change
                pairCounts[pair] = updated
                if change > 0, updated > 0 { queue.push(count: updated, pair: pair) }
            }
        }
    }
}

/// A binary max-heap of (count, pair): higher count first, then the smaller pair (left id, then right id).
private struct CandidateHeap {
    private var entries: [(count: Int, pair: UInt64)] = []

    @inline(__always)
    private static func precedes(_ a: (count: Int, pair: UInt64), _ b: (count: Int, pair: UInt64)) -> Bool {
        a.count != b.count ? a.count > b.count : a.pair < b.pair
    }

    mutating func push(count: Int, pair: UInt64) {
        entries.append((count, pair))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (count: Int, pair: UInt64)? {
        guard let top = entries.first else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                if left >= entries.count { break }
                var best = left
                if left + 1 < entries.count, Self.precedes(entries[left + 1], entries[left]) { best = left + 1 }
                guard Self.precedes(entries[best], entries[parent]) else { break }
                entries.swapAt(best, parent)
                parent = best
            }
        }
        return top
    }
}
