import Foundation
import Synchronization

/// The activation buffers of one ``BertEncoder`` forward pass over `tokenCount` packed tokens.
///
/// - `hidden` `[N, H]`: the residual stream, updated in place layer by layer.
/// - `queryKeyValue` `[N, 3H]` followed by `context` `[N, H]`; the feed-forward activations
///   `[N, I]` reuse the same block (both are dead by the time the feed-forward block runs).
/// - `scores`: `[T, T]` attention-score scratch slots (four per thread: one per attention task),
///   grown to the longest sequence seen.
///
/// A workspace belongs to one call at a time; ``BertEncoderWorkspaceCache`` hands them out.
final class BertEncoderWorkspace: @unchecked Sendable {
    let tokenCount: Int
    let hidden: UnsafeMutablePointer<Float>
    let block: UnsafeMutablePointer<Float>
    let blockCount: Int
    let hiddenCount: Int
    private(set) var scores: UnsafeMutablePointer<Float>
    private(set) var scoresPerSlot: Int
    private let slots: Int

    init(tokenCount: Int, hiddenSize: Int, intermediateSize: Int, threads: Int) {
        self.tokenCount = tokenCount
        slots = 4 * max(threads, 1)
        hiddenCount = tokenCount * hiddenSize
        hidden = Self.allocate(hiddenCount)
        blockCount = tokenCount * max(4 * hiddenSize, intermediateSize)
        block = Self.allocate(blockCount)
        scoresPerSlot = 0
        scores = Self.allocate(0)
    }

    /// The query/key/value block `[N, 3H]`.
    var queryKeyValue: UnsafeMutablePointer<Float> { block }

    /// The attention context `[N, H]` (after the query/key/value block).
    func context(hiddenSize: Int) -> UnsafeMutablePointer<Float> { block + tokenCount * 3 * hiddenSize }

    /// The feed-forward activations `[N, I]` (the same memory as the query/key/value block).
    var intermediate: UnsafeMutablePointer<Float> { block }

    /// Number of score scratch slots (attention runs at most this many tasks).
    var scoreSlots: Int { slots }

    /// Makes the score scratch hold `[length, length]` per thread.
    func reserveScores(longestSequence length: Int) {
        let needed = length * length
        if needed <= scoresPerSlot { return }
        free(scores)
        scores = Self.allocate(needed * slots)
        scoresPerSlot = needed
    }

    /// Bytes held by the buffers.
    var byteCount: Int { (hiddenCount + blockCount + scoresPerSlot * slots) * 4 }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        var pointer: UnsafeMutableRawPointer? = nil
        let status = posix_memalign(&pointer, 64, max(count * 4, 64))
        guard status == 0, let pointer else { fatalError("BertEncoder: cannot allocate \(count * 4) bytes of workspace") }
        return pointer.bindMemory(to: Float.self, capacity: max(count, 16))
    }

    deinit {
        free(hidden)
        free(block)
        free(scores)
    }
}

/// A small, thread-safe pool of ``BertEncoderWorkspace``s keyed by token count.
///
/// A call takes a workspace of its exact token count (or makes one) and gives it back when done;
/// concurrent calls get different workspaces. At most `capacity` idle workspaces, holding at most
/// `byteLimit` bytes together, are kept (the most recently returned one always is): the least
/// recently returned ones are dropped first.
final class BertEncoderWorkspaceCache: Sendable {
    private let idle = Mutex<[BertEncoderWorkspace]>([])
    let capacity: Int
    let byteLimit: Int

    init(capacity: Int = 4, byteLimit: Int = 96 << 20) {
        self.capacity = capacity
        self.byteLimit = byteLimit
    }

    /// An idle workspace for `tokenCount` tokens, removed from the pool, or nil.
    func take(tokenCount: Int) -> BertEncoderWorkspace? {
        idle.withLock { pool in
            guard let index = pool.lastIndex(where: { $0.tokenCount == tokenCount }) else { return nil }
            return pool.remove(at: index)
        }
    }

    /// Returns `workspace` to the pool (most recent last), dropping the oldest beyond `capacity`.
    func give(_ workspace: BertEncoderWorkspace) {
        idle.withLock { pool in
            pool.append(workspace)
            if pool.count > capacity { pool.removeFirst(pool.count - capacity) }
            var bytes = pool.reduce(0) { $0 + $1.byteCount }
            while pool.count > 1 && bytes > byteLimit { bytes -= pool.removeFirst().byteCount }
        }
    }

    /// Drops every idle workspace.
    func removeAll() {
        idle.withLock { $0.removeAll() }
    }
}
