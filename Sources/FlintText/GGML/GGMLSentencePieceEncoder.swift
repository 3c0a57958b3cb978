/// llama.cpp's SentencePiece BPE (`llm_tokenizer_spm_session` in llama-vocab.cpp) for `llama` vocabularies.
///
/// The text (spaces already replaced by `▁`) starts as one symbol per UTF-8 character. Every adjacent pair whose
/// concatenated text is a token is a candidate, ranked by that token's score; the best candidate (highest score,
/// then leftmost) is merged, its neighbours' pairs become new candidates, and so on until none is left. Each final
/// symbol is its token; a symbol that is no token (a character outside the vocabulary) becomes the `<0xXX>` tokens
/// of its bytes (or the token of the single byte, for ASCII), else the unknown token.
///
/// Works on bytes with a byte-keyed token table: no `String` is built per character or pair.
struct GGMLSentencePieceEncoder: Sendable {
    let table: GGMLTokenTable
    let scores: [Float]
    /// The token of each byte value for byte fallback (-1: none, use the unknown token).
    let byteTokens: [Int32]
    let unknown: Int32

    init(table: GGMLTokenTable, scores: [Float], unknown: Int?) {
        self.table = table
        self.scores = scores
        self.unknown = unknown.map(Int32.init) ?? -1
        let digits = Array("0123456789ABCDEF".utf8)
        var byteTokens = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            var name: [UInt8] = [0x3C, 0x30, 0x78, digits[byte >> 4], digits[byte & 15], 0x3E]
            var id = name.withUnsafeBufferPointer { table.id(of: $0) }
            if id < 0 && byte < 0x80 {
                name = [UInt8(byte)]
                id = name.withUnsafeBufferPointer { table.id(of: $0) }
            }
            byteTokens[byte] = id
        }
        self.byteTokens = byteTokens
    }

    private struct Symbol {
        var start: Int32
        var length: Int32
        var previous: Int32
        var next: Int32
    }

    /// A candidate merge of the symbol at `left` with the one at `right`, whose texts total `length` bytes.
    private struct Candidate {
        var score: Float
        var left: Int32
        var right: Int32
        var length: Int32

        /// Whether `self` is merged before `other`: higher score first, then the leftmost.
        @inline(__always)
        func precedes(_ other: Candidate) -> Bool {
            score != other.score ? score > other.score : left < other.left
        }
    }

    /// Appends the tokens of `text` (UTF-8, spaces escaped) to `output`.
    func encode(_ text: UnsafeBufferPointer<UInt8>, into output: inout [Int]) {
        guard !text.isEmpty else { return }
        var symbols = [Symbol]()
        symbols.reserveCapacity(text.count)
        var offset = 0
        while offset < text.count {
            let lead = text[offset]
            let length = min(lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4, text.count - offset)
            let index = Int32(symbols.count)
            symbols.append(Symbol(start: Int32(offset), length: Int32(length), previous: index - 1,
                                  next: offset + length == text.count ? -1 : index + 1))
            offset += length
        }

        var heap = [Candidate]()
        heap.reserveCapacity(symbols.count)
        func push(_ candidate: Candidate) {
            heap.append(candidate)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child].precedes(heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        }
        func pop() -> Candidate {
            let top = heap[0]
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                var parent = 0
                while true {
                    let left = 2 * parent + 1
                    if left >= heap.count { break }
                    var best = left
                    if left + 1 < heap.count, heap[left + 1].precedes(heap[left]) { best = left + 1 }
                    guard heap[best].precedes(heap[parent]) else { break }
                    heap.swapAt(best, parent)
                    parent = best
                }
            }
            return top
        }
        func consider(_ left: Int32, _ right: Int32) {
            guard left >= 0, right >= 0 else { return }
            let start = Int(symbols[Int(left)].start)
            let length = Int(symbols[Int(left)].length + symbols[Int(right)].length)
            let id = table.id(of: UnsafeBufferPointer(rebasing: text[start..<(start + length)]))
            guard id >= 0 else { return }
            push(Candidate(score: scores[Int(id)], left: left, right: right, length: Int32(length)))
        }

        for index in 1..<symbols.count { consider(Int32(index - 1), Int32(index)) }
        while !heap.isEmpty {
            let candidate = pop()
            let left = Int(candidate.left), right = Int(candidate.right)
            // Stale when either symbol was merged since (lengths only grow, so equal sums mean unchanged).
            if symbols[left].length == 0 || symbols[right].length == 0
                || symbols[left].length + symbols[right].length != candidate.length {
                continue
            }
            symbols[left].length += symbols[right].length
            symbols[right].length = 0
            symbols[left].next = symbols[right].next
            if symbols[right].next >= 0 { symbols[Int(symbols[right].next)].previous = candidate.left }
            consider(symbols[left].previous, candidate.left)
            consider(candidate.left, symbols[left].next)
        }

        var index: Int32 = 0
        while index >= 0 {
            let symbol = symbols[Int(index)]
            let start = Int(symbol.start), end = start + Int(symbol.length)
            let id = table.id(of: UnsafeBufferPointer(rebasing: text[start..<end]))
            if id >= 0 {
                output.append(Int(id))
            } else {
                for byte in text[start..<end] {
                    let byteToken = byteTokens[Int(byte)]
                    if byteToken >= 0 {
                        output.append(Int(byteToken))
                    } else if unknown >= 0 {
                        output.append(Int(unknown))
                    }
                }
            }
            index = symbol.next
        }
    }
}
