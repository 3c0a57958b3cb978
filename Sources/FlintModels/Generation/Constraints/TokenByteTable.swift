import FlintText
import Synchronization

/// Every token's bytes as generation outputs them (`piece(for:special: false)`, what the streaming decoder
/// prints), laid out once per tokenizer for the token mask: one flat byte array, the tokens grouped by first
/// byte, and which tokens end generation.
///
/// Tokens whose piece is empty (control tokens that are not ends of generation, unused tokens) can never be
/// allowed by a constraint: they would add nothing and let a model stall.
final class TokenByteTable: Sendable {
    /// Token `id`'s bytes are `bytes[starts[id] ..< starts[id + 1]]`.
    let bytes: [UInt8]
    let starts: [Int32]
    /// The ids of the tokens with a non-empty piece, by their first byte.
    let byFirstByte: [[Int32]]
    /// The end-of-generation ids.
    let endOfGeneration: [Int]
    /// The number of tokens.
    let count: Int

    init(tokenizer: GGMLTokenizer) {
        var bytes = [UInt8]()
        var starts = [Int32]()
        var byFirstByte = [[Int32]](repeating: [], count: 256)
        starts.reserveCapacity(tokenizer.count + 1)
        for id in 0..<tokenizer.count {
            starts.append(Int32(bytes.count))
            if tokenizer.isEndOfGeneration(id) { continue }
            let piece = (try? tokenizer.piece(for: id, special: false)) ?? []
            guard let first = piece.first else { continue }
            bytes.append(contentsOf: piece)
            byFirstByte[Int(first)].append(Int32(id))
        }
        starts.append(Int32(bytes.count))
        self.bytes = bytes
        self.starts = starts
        self.byFirstByte = byFirstByte
        endOfGeneration = tokenizer.endOfGeneration.sorted()
        count = tokenizer.count
    }

    /// The table of `tokenizer`, built on first use and then shared (one per tokenizer object).
    static func shared(for tokenizer: GGMLTokenizer) -> TokenByteTable {
        cache.withLock { entries in
            entries.removeAll { $0.tokenizer == nil }
            if let entry = entries.first(where: { $0.tokenizer === tokenizer }) { return entry.table }
            let table = TokenByteTable(tokenizer: tokenizer)
            entries.append(Entry(tokenizer: tokenizer, table: table))
            return table
        }
    }

    private struct Entry {
        weak var tokenizer: GGMLTokenizer?
        let table: TokenByteTable
    }

    private static let cache = Mutex<[Entry]>([])
}
