import FlintText

/// The per-sequence side of JSON mode (``ResponseFormat``; kept by each generating sequence): the grammar state of the text generated so far, and the token mask
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
/// token's bytes until one is refused. When the sampler only looks at the `k` most likely tokens (greedy: 1;
/// top-k: k) and no bias or penalty reorders the logits, candidates are tried in logit order instead and the
/// mask keeps the first `k` allowed ones — the same choice as masking the whole vocabulary, at a fraction of
/// the cost (the whole vocabulary is masked when too few of the most likely tokens are allowed).
public struct JSONTokenMask: Sendable {
    let table: TokenByteTable
    private(set) var state: JSONGrammarState
    private var scratch: JSONGrammarState
    private var firstByteAllowed = [Bool](repeating: false, count: 256)
    /// How many allowed tokens the sampler needs (1 for greedy, k for top-k), or 0 when it needs the whole
    /// distribution (no top-k, or a bias or penalty that reorders the logits after masking).
    public let candidatesNeeded: Int

    /// A mask for a value of `schema` over `tokenizer`'s vocabulary; `parameters` tell which tokens the sampler
    /// will look at (see ``candidatesNeeded``).
    public init(schema: JSONSchemaSubset, tokenizer: GGMLTokenizer, parameters: SamplingParameters = .greedy) {
        table = TokenByteTable.shared(for: tokenizer)
        state = JSONGrammarState(schema: schema)
        scratch = state
        let reordered = !parameters.logitBias.isEmpty || parameters.repetitionPenalty != 1
            || parameters.frequencyPenalty != 0 || parameters.presencePenalty != 0
        candidatesNeeded = reordered ? 0 : parameters.temperature == 0 ? 1 : parameters.topK
    }

    /// Whether the whole value is written and no byte can extend it.
    public var isFinished: Bool { state.isFinished }

    /// Whether token `id`'s bytes can follow the text so far.
    public mutating func allows(_ id: Int) -> Bool {
        guard id >= 0 && id < table.count else { return false }
        if table.endOfGeneration.contains(id) { return state.canEnd }
        let start = Int(table.starts[id]), end = Int(table.starts[id + 1])
        guard start < end else { return false }
        scratch.copy(from: state)
        return table.bytes.withUnsafeBufferPointer { bytes in scratch.accept(bytes[start..<end]) }
    }

    /// Sets to −∞ every logit whose token cannot come next (with ``candidatesNeeded``, every one but the most
    /// likely allowed ones the sampler will look at).
    public mutating func mask(_ logits: inout [Float]) {
        let tokensToTry = updateFirstBytes()
        let needed = candidatesNeeded
        // When few tokens start with an accepted byte, trying them all is as cheap as ranking the logits.
        if needed > 0 && needed <= logits.count / 16 && tokensToTry > 4096 && maskInLogitOrder(&logits, needed: needed) { return }
        maskAllTokens(&logits)
    }

    /// Records which first bytes the state accepts; returns how many tokens start with one of them.
    private mutating func updateFirstBytes() -> Int {
        var tokens = 0
        for byte in 0..<256 {
            scratch.copy(from: state)
            firstByteAllowed[byte] = scratch.accept(UInt8(byte))
            if firstByteAllowed[byte] { tokens += table.byFirstByte[byte].count }
        }
        return tokens
    }

    /// Keeps the `needed` most likely allowed tokens (ties: lower id first, as the sampler orders them), trying
    /// candidates from the most likely down; false (logits untouched) if the most likely `16 × needed` (at
    /// least 256) hold fewer.
    public mutating func maskInLogitOrder(_ logits: inout [Float], needed: Int) -> Bool {
        let candidates = Sampler.topCandidates(logits, k: min(logits.count, max(256, 16 * needed)))
        var kept = [Int]()
        kept.reserveCapacity(needed)
        for candidate in candidates where allows(candidate.id) {
            kept.append(candidate.id)
            if kept.count == needed { break }
        }
        guard kept.count == needed else { return false }
        let values = kept.map { logits[$0] }
        for id in logits.indices { logits[id] = -.infinity }
        for (id, value) in zip(kept, values) { logits[id] = value }
        return true
    }

    /// Sets to −∞ every logit whose token cannot come next. When no token can (which a vocabulary with every
    /// single-byte token never causes), the end-of-generation tokens are left allowed so that the sequence ends.
    public mutating func maskAll(_ logits: inout [Float]) {
        _ = updateFirstBytes()
        maskAllTokens(&logits)
    }

    /// ``maskAll(_:)`` with `firstByteAllowed` up to date.
    private mutating func maskAllTokens(_ logits: inout [Float]) {
        let count = min(logits.count, table.count)
        var allowed = [Bool](repeating: false, count: logits.count)
        var any = false
        let stringTop = state.frames.last.flatMap { $0.kind == .string ? $0 : nil }
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
                        if tokenAllowed(bytes, start, end, stringTop: stringTop) {
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

    /// Whether the bytes `start ..< end` can follow. Inside a string, the bytes are first run on a copy of the
    /// string's frame alone — most tokens stay inside the string, and need no copy of the stack; a token that
    /// closes the string is tried on the whole state.
    @inline(__always)
    private mutating func tokenAllowed(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                                       stringTop: JSONGrammarState.Frame?) -> Bool {
        if var frame = stringTop {
            var index = start
            while index < end {
                let outcome = JSONGrammarState.string(&frame, bytes[index])
                if outcome == .rejected { return false }
                if outcome != .consumed { break }
                index += 1
            }
            if index == end { return true }
        }
        scratch.copy(from: state)
        return scratch.accept(bytes[start..<end])
    }

    /// Feeds the chosen token (end-of-generation tokens add no bytes). Returns false if the token was not
    /// allowed (the state is then unchanged).
    @discardableResult
    public mutating func advance(_ id: Int) -> Bool {
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
