/// The merge table of a BPE model: for each mergeable pair of token ids, its rank (position in the merges
/// list, lower merges first) and the id of the merged token. Pairs are packed into one 64-bit key.
public struct BytePairMerges: Sendable {
    /// A merge's rank and the id of the token it makes.
    struct Entry: Sendable {
        var rank: Int32
        var result: Int32
    }

    private(set) var table: [UInt64: Entry]

    /// The number of merges.
    public var count: Int { table.count }

    @inline(__always)
    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Builds the table from merges in rank order. `continuingSubwordPrefix` is removed from the right-hand token
    /// when forming the merged token (as Hugging Face does). Throws if a token is missing from the vocabulary.
    init(merges: [(String, String)], vocabulary: [String: Int], continuingSubwordPrefix: String?, path: String) throws {
        table = Dictionary(minimumCapacity: merges.count)
        for (rank, (left, right)) in merges.enumerated() {
            guard let leftId = vocabulary[left] else {
                throw TokenizerError.invalidFile(path: path, field: "model.merges[\(rank)]", expected: "tokens of the vocabulary",
                                                 found: "\"\(left)\" (not in model.vocab)")
            }
            guard let rightId = vocabulary[right] else {
                throw TokenizerError.invalidFile(path: path, field: "model.merges[\(rank)]", expected: "tokens of the vocabulary",
                                                 found: "\"\(right)\" (not in model.vocab)")
            }
            var rightPart = Substring(right)
            if let prefix = continuingSubwordPrefix, !prefix.isEmpty, rightPart.hasPrefix(prefix) {
                rightPart = rightPart.dropFirst(prefix.count)
            }
            let merged = left + rightPart
            guard let mergedId = vocabulary[merged] else {
                throw TokenizerError.invalidFile(path: path, field: "model.merges[\(rank)]", expected: "a merge whose result is in the vocabulary",
                                                 found: "\"\(left)\" + \"\(right)\" = \"\(merged)\" (not in model.vocab)")
            }
            let key = Self.key(Int32(leftId), Int32(rightId))
            // The first (lowest-rank) occurrence of a duplicated pair wins.
            if table[key] == nil { table[key] = Entry(rank: Int32(rank), result: Int32(mergedId)) }
        }
    }

    @inline(__always)
    func entry(_ left: Int32, _ right: Int32) -> Entry? { table[Self.key(left, right)] }

    /// Parses the `model.merges` array of tokenizer.json in either spelling: legacy `"a b"` strings (two tokens
    /// separated by exactly one space) or `["a", "b"]` pairs (tokenizers ≥ 0.20).
    static func parse(_ value: Any?, path: String) throws -> [(String, String)] {
        guard let value else { return [] }
        guard let list = value as? [Any] else {
            throw TokenizerError.invalidFile(path: path, field: "model.merges", expected: "an array of \"a b\" strings or [\"a\", \"b\"] pairs",
                                             found: String(describing: type(of: value)))
        }
        var merges: [(String, String)] = []
        merges.reserveCapacity(list.count)
        for (index, item) in list.enumerated() {
            if let string = item as? String {
                let parts = string.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw TokenizerError.invalidFile(path: path, field: "model.merges[\(index)]", expected: "\"a b\" (two tokens separated by one space)",
                                                     found: "\"\(string)\"")
                }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let pair = item as? [Any] {
                guard pair.count == 2, let left = pair[0] as? String, let right = pair[1] as? String else {
                    throw TokenizerError.invalidFile(path: path, field: "model.merges[\(index)]", expected: "a pair of two strings",
                                                     found: "\(pair)")
                }
                merges.append((left, right))
            } else {
                throw TokenizerError.invalidFile(path: path, field: "model.merges[\(index)]", expected: "\"a b\" or [\"a\", \"b\"]",
                                                 found: "\(item)")
            }
        }
        return merges
    }
}
