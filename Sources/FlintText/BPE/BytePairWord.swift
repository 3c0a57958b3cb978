/// The BPE merge loop over one word: repeatedly merges the adjacent pair with the lowest merge rank (the leftmost
/// one among equal ranks) until no adjacent pair has a merge.
///
/// Symbols are ids with the range of input units (scalars or bytes) they cover. Short words use a quadratic scan
/// over a small array; long words use a binary heap with lazily discarded stale entries, so a pathological
/// 100,000-character word stays O(n log n).
struct BytePairWord {
    /// One symbol: a token id and the input units `start..<start+length` it covers. A merged symbol covers
    /// from the start of its left part to the end of its right part (byte-fallback tokens of one scalar all
    /// cover that scalar).
    struct Symbol: Equatable {
        var id: Int32
        var start: Int32
        var length: Int32
    }

    /// Words with at most this many symbols use the quadratic scan.
    static let heapThreshold = 48

    /// Merges `symbols` in place.
    static func merge(_ symbols: inout [Symbol], merges: BytePairMerges) {
        if symbols.count < 2 { return }
        if symbols.count <= heapThreshold {
            mergeByScanning(&symbols, merges: merges)
        } else {
            mergeWithHeap(&symbols, merges: merges)
        }
    }

    static func mergeByScanning(_ symbols: inout [Symbol], merges: BytePairMerges) {
        // ranks[i] = rank of the merge of symbols[i] and symbols[i + 1], Int32.max if none.
        var ranks = [Int32](repeating: .max, count: symbols.count - 1)
        var results = [Int32](repeating: -1, count: symbols.count - 1)
        for index in 0..<(symbols.count - 1) {
            if let entry = merges.entry(symbols[index].id, symbols[index + 1].id) {
                ranks[index] = entry.rank
                results[index] = entry.result
            }
        }
        while !ranks.isEmpty {
            var best = -1
            var bestRank = Int32.max
            for index in 0..<ranks.count where ranks[index] < bestRank {
                bestRank = ranks[index]
                best = index
            }
            if best < 0 { break }
            symbols[best].id = results[best]
            symbols[best].length = symbols[best + 1].start + symbols[best + 1].length - symbols[best].start
            symbols.remove(at: best + 1)
            ranks.remove(at: best)
            results.remove(at: best)
            // Refresh the pairs on both sides of the merged symbol.
            if best > 0 {
                let entry = merges.entry(symbols[best - 1].id, symbols[best].id)
                ranks[best - 1] = entry?.rank ?? .max
                results[best - 1] = entry?.result ?? -1
            }
            if best < ranks.count {
                let entry = merges.entry(symbols[best].id, symbols[best + 1].id)
                ranks[best] = entry?.rank ?? .max
                results[best] = entry?.result ?? -1
            }
        }
    }

    /// A heap entry: the merge of the symbol at `position` with its right neighbour, valid while both still
    /// carry the ids `left` and `right`.
    private struct Candidate {
        var rank: Int32
        var position: Int32
        var left: Int32
        var right: Int32
        var result: Int32

        @inline(__always)
        func precedes(_ other: Candidate) -> Bool {
            rank != other.rank ? rank < other.rank : position < other.position
        }
    }

    static func mergeWithHeap(_ symbols: inout [Symbol], merges: BytePairMerges) {
        let count = symbols.count
        var next = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { buffer[index] = Int32(index + 1) }
            initialized = count
        }
        var previous = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { buffer[index] = Int32(index - 1) }
            initialized = count
        }
        var alive = [Bool](repeating: true, count: count)
        var heap: [Candidate] = []
        heap.reserveCapacity(count)

        func push(_ candidate: Candidate) {
            heap.append(candidate)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                if heap[child].precedes(heap[parent]) {
                    heap.swapAt(child, parent)
                    child = parent
                } else {
                    break
                }
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
                    var smallest = left
                    if left + 1 < heap.count, heap[left + 1].precedes(heap[left]) { smallest = left + 1 }
                    if heap[smallest].precedes(heap[parent]) {
                        heap.swapAt(smallest, parent)
                        parent = smallest
                    } else {
                        break
                    }
                }
            }
            return top
        }
        func consider(_ position: Int) {
            let right = Int(next[position])
            guard right < count else { return }
            if let entry = merges.entry(symbols[position].id, symbols[right].id) {
                push(Candidate(rank: entry.rank, position: Int32(position), left: symbols[position].id,
                               right: symbols[right].id, result: entry.result))
            }
        }

        for index in 0..<(count - 1) { consider(index) }
        while !heap.isEmpty {
            let candidate = pop()
            let position = Int(candidate.position)
            guard alive[position], symbols[position].id == candidate.left else { continue }
            let right = Int(next[position])
            guard right < count, symbols[right].id == candidate.right else { continue }
            symbols[position].id = candidate.result
            symbols[position].length = symbols[right].start + symbols[right].length - symbols[position].start
            alive[right] = false
            let afterRight = next[right]
            next[position] = afterRight
            if Int(afterRight) < count { previous[Int(afterRight)] = Int32(position) }
            let before = Int(previous[position])
            if before >= 0 { consider(before) }
            consider(position)
        }
        var compacted: [Symbol] = []
        compacted.reserveCapacity(count)
        var index = 0
        while index < count {
            compacted.append(symbols[index])
            index = Int(next[index])
        }
        symbols = compacted
    }
}
