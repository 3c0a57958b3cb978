/// An open-addressing hash table from scalar sequences to ids, looked up straight from a buffer of
/// scalars (no `String` is made per lookup).
public struct ScalarVocabulary: Sendable {
    private var keys: [Unicode.Scalar] = []
    private var keyStarts: [Int32] = []
    private var keyLengths: [Int32] = []
    private var values: [Int32] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32] = []
    private var mask = 0
    /// The longest key, in scalars.
    public private(set) var longestKey = 0

    /// Number of keys.
    public var count: Int { values.count }

    /// A table of `entries` (a later duplicate key overrides an earlier one).
    public init<S: Sequence>(_ entries: S) where S.Element == (key: [Unicode.Scalar], id: Int) {
        var capacity = 16
        let list = Array(entries)
        while capacity < list.count * 2 { capacity *= 2 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        for entry in list { insert(entry.key, id: entry.id) }
    }

    @inline(__always)
    static func hash(_ pointer: UnsafePointer<Unicode.Scalar>, _ count: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<count {
            h = (h ^ UInt64(pointer[i].value)) &* 0x0000_0100_0000_01b3
        }
        return h ^ (h >> 29)
    }

    private mutating func insert(_ key: [Unicode.Scalar], id: Int) {
        let h = key.withUnsafeBufferPointer { ScalarVocabulary.hash($0.baseAddress!, $0.count) }
        if let existing = key.withUnsafeBufferPointer({ find($0.baseAddress!, $0.count, hash: h) }) {
            values[existing] = Int32(id)
            return
        }
        let entry = values.count
        keyStarts.append(Int32(keys.count))
        keyLengths.append(Int32(key.count))
        keys.append(contentsOf: key)
        values.append(Int32(id))
        hashes.append(h)
        longestKey = max(longestKey, key.count)
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(entry)
    }

    /// The entry index of a key.
    @inline(__always)
    private func find(_ pointer: UnsafePointer<Unicode.Scalar>, _ count: Int, hash h: UInt64) -> Int? {
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { return nil }
            if hashes[entry] == h && Int(keyLengths[entry]) == count {
                let start = Int(keyStarts[entry])
                var equal = true
                for i in 0..<count where keys[start + i] != pointer[i] {
                    equal = false
                    break
                }
                if equal { return entry }
            }
            slot = (slot + 1) & mask
        }
    }

    /// The id of the key `pointer[0..<count]`.
    @inline(__always)
    public func id(_ pointer: UnsafePointer<Unicode.Scalar>, count: Int) -> Int? {
        if count == 0 || count > longestKey { return nil }
        let h = ScalarVocabulary.hash(pointer, count)
        return find(pointer, count, hash: h).map { Int(values[$0]) }
    }

    /// The id of `key`.
    public func id(_ key: String) -> Int? {
        let scalars = Array(key.unicodeScalars)
        return scalars.withUnsafeBufferPointer { buffer in
            buffer.isEmpty ? nil : id(buffer.baseAddress!, count: buffer.count)
        }
    }
}
