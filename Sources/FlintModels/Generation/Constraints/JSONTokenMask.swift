import FlintText

/// The per-sequence side of JSON mode: the grammar state of the text generated so far, and the token mask
/// that keeps the next token inside the grammar.
///
/// Each step, ``mask(_:)`` sets to −∞ the logit of every token whose bytes the automaton cannot accept from
/// its current state, and of the end-of-generation tokens unless the value is complete; the sampler then
/// chooses among the rest as usual (penalties, top-k, top-p, min-p, temperature). ``advance(_:)`` feeds the
/// chosen token. Once the value is complete and nothing can extend it, ``isFinished`` is true and the
/// sequence stops (finish reason `stop`) without another forward pass.
///
/// Cost: the tokens are grouped by first byte, so only those whose first byte the state accepts are tried;
/// each try copies the stack (plain data, no allocation: the scratch state keeps its capacity) and feeds the
/// token's bytes until one is refused.
struct JSONTokenMask {
    let table: TokenByteTable
    private(set) var state: JSONGrammarState
    private var scratch: JSONGrammarState
    private var firstByteAllowed = [Bool](repeating: false, count: 256)

    init(schema: JSONSchemaSubset, tokenizer: GGMLTokenizer) {
        table = TokenByteTable.shared(for: tokenizer)
        state = JSONGrammarState(schema: schema)
        scratch = state
    }

    /// Whether the whole value is written and no byte can extend it.
    var isFinished: Bool { state.isFinished }

    /// Whether token `id`'s bytes can follow the text so far.
    mutating func allows(_ id: Int) -> Bool {
        if table.endOfGeneration.contains(id) { return state.canEnd }
        let start = Int(table.starts[id]), end = Int(table.starts[id + 1])
        guard start < end else { return false }
        scratch.copy(from: state)
        return table.bytes.withUnsafeBufferPointer { bytes in scratch.accept(bytes[start..<end]) }
    }

    /// Sets to −∞ every logit whose token cannot come next. When no token can (which a vocabulary with every
    /// single-byte token never causes), the end-of-generation tokens are left allowed so that the sequence ends.
    mutating func mask(_ logits: inout [Float]) {
        let count = min(logits.count, table.count)
        var allowed = [Bool](repeating: false, count: logits.count)
        var any = false
        for byte in 0..<256 {
            scratch.copy(from: state)
            firstByteAllowed[byte] = scratch.accept(UInt8(byte))
        }
        table.bytes.withUnsafeBufferPointer { bytes in
            table.starts.withUnsafeBufferPointer { starts in
                for byte in 0..<256 where firstByteAllowed[byte] {
                    for id32 in table.byFirstByte[byte] {
                        let id = Int(id32)
                        guard id < count else { continue }
                        let start = Int(starts[id]), end = Int(starts[id + 1])
                        if end - start == 1 {
                            allowed[id] = true
                            any = true
                            continue
                        }
                        scratch.copy(from: state)
                        if scratch.accept(bytes[start..<end]) {
                            allowed[id] = true
                            any = true
                        }
                    }
                }
            }
        }
        let canEnd = state.canEnd || !any
        for id in table.endOfGeneration where id < logits.count { allowed[id] = canEnd }
        for id in logits.indices where !allowed[id] { logits[id] = -.infinity }
    }

    /// Feeds the chosen token (end-of-generation tokens add no bytes). Returns false if the token was not
    /// allowed (the state is then unchanged).
    @discardableResult
    mutating func advance(_ id: Int) -> Bool {
        guard id >= 0 && id < table.count else { return false }
        if table.endOfGeneration.contains(id) { return state.canEnd }
        let start = Int(table.starts[id]), end = Int(table.starts[id + 1])
        guard start < end else { return false }
        scratch.copy(from: state)
        guard table.bytes.withUnsafeBufferPointer({ bytes in scratch.accept(bytes[start..<end]) }) else { return false }
        state.copy(from: scratch)
        return true
    }
}
