/// The token texts of a GGUF vocabulary as bytes, with an open-addressing hash table from text to id, so that
/// the tokenizers look up byte ranges of their input without building `String`s.
///
/// Texts are compared byte for byte, as llama.cpp's `std::string` keys are (Swift's `String` equality would
/// merge canonically equivalent texts such as "é" and "e\u{301}").
struct GGMLTokenTable: Sendable {
    /// All token texts, concatenated.
    let bytes: [UInt8]
    /// Token `id` is `bytes[starts[id]..<starts[id + 1]]`.
    let starts: [Int32]
    /// Slot → id + 1 (0 = empty); the capacity is a power of two at least twice the token count.
    private let slots: [Int32]
    private let mask: Int

    /// The number of tokens.
    var count: Int { starts.count - 1 }

    /// Builds the table. Returns nil with the first duplicated pair `(first, second)` when two ids share a text.
    static func make(_ texts: [String]) -> Result<GGMLTokenTable, DuplicateToken> {
        var bytes = [UInt8]()
        bytes.reserveCapacity(texts.count * 8)
        var starts = [Int32]()
        starts.reserveCapacity(texts.count + 1)
        for text in texts {
            starts.append(Int32(bytes.count))
            bytes.append(contentsOf: text.utf8)
        }
        starts.append(Int32(bytes.count))
        var capacity = 16
        while capacity < texts.count * 2 { capacity <<= 1 }
        var slots = [Int32](repeating: 0, count: capacity)
        let mask = capacity - 1
        var duplicate: DuplicateToken?
        bytes.withUnsafeBufferPointer { all in
            for id in 0..<texts.count {
                let key = UnsafeBufferPointer(rebasing: all[Int(starts[id])..<Int(starts[id + 1])])
                var slot = Int(truncatingIfNeeded: hash(key)) & mask
                while slots[slot] != 0 {
                    let other = Int(slots[slot] - 1)
                    if key.elementsEqual(all[Int(starts[other])..<Int(starts[other + 1])]) {
                        duplicate = DuplicateToken(first: other, second: id)
                        return
                    }
                    slot = (slot + 1) & mask
                }
                slots[slot] = Int32(id + 1)
            }
        }
        if let duplicate { return .failure(duplicate) }
        return .success(GGMLTokenTable(bytes: bytes, starts: starts, slots: slots, mask: mask))
    }

    /// Two ids with the same text.
    struct DuplicateToken: Error {
        var first: Int
        var second: Int
    }

    private init(bytes: [UInt8], starts: [Int32], slots: [Int32], mask: Int) {
        self.bytes = bytes
        self.starts = starts
        self.slots = slots
        self.mask = mask
    }

    /// FNV-1a over the bytes.
    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return value ^ (value >> 29)
    }

    /// The id of the token whose text is `key`, or -1.
    func id(of key: UnsafeBufferPointer<UInt8>) -> Int32 {
        bytes.withUnsafeBufferPointer { all in
            slots.withUnsafeBufferPointer { slots in
                var slot = Int(truncatingIfNeeded: Self.hash(key)) & mask
                while true {
                    let entry = slots[slot]
                    if entry == 0 { return -1 }
                    let id = Int(entry - 1)
                    let start = Int(starts[id]), end = Int(starts[id + 1])
                    if end - start == key.count, memoryEqual(all.baseAddress! + start, key.baseAddress, key.count) {
                        return Int32(id)
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// The id of the token whose text is `text`, or -1.
    func id(of text: String) -> Int32 {
        var text = text
        return text.withUTF8 { id(of: $0) }
    }

    /// The bytes of token `id`'s text.
    func text(of id: Int) -> ArraySlice<UInt8> {
        bytes[Int(starts[id])..<Int(starts[id + 1])]
    }

    /// The length in bytes of token `id`'s text.
    func length(of id: Int) -> Int { Int(starts[id + 1] - starts[id]) }
}

@inline(__always)
private func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
    guard count > 0, let b else { return true }
    for index in 0..<count where a[index] != b[index] { return false }
    return true
}
