import Flint

/// The row layout shared by the class-index losses (cross entropy, NLL): scores of shape [C],
/// [N, C] or [N, C, d₁, …] become contiguous rows of C scores, one per target.
struct ClassLayout {
    /// Contiguous [rows, classes] scores (a detached copy or view; not recorded by autograd).
    let rows: Tensor
    /// Number of rows (targets).
    let rowCount: Int
    /// Number of classes C.
    let classes: Int
    /// Contiguous int64 targets, one per row.
    let targets: Tensor
    /// The shape of the targets (and of an unreduced loss).
    let targetShape: [Int]
    /// The shape of the original scores.
    let scoreShape: [Int]

    /// Validates the scores and targets and lays them out, or throws a ``FlintError/invalidArgument(operation:message:)``
    /// naming `op` before any kernel runs: a wrong dtype, mismatched shapes, or a class index outside
    /// `0..<classes` that is not `ignoreIndex` (PyTorch raises an `IndexError` there). Labels come from
    /// data, so these are errors to report, not crashes.
    init(scores: Tensor, targets: Tensor, ignoreIndex: Int, op: String) throws {
        func fail(_ message: String) -> FlintError { .invalidArgument(operation: op, message: message) }
        guard scores.dtype == .float32 else { throw fail("scores must be float32, got \(scores.dtype)") }
        guard scores.rank >= 1 else { throw fail("scores must have a class dimension, shape is \(scores.shape)") }
        guard targets.dtype == .int64 || targets.dtype == .int32 else {
            throw fail("targets must be int64 or int32 class indices, got \(targets.dtype)")
        }
        let classAxis = scores.rank == 1 ? 0 : 1
        var expected = scores.shape
        expected.remove(at: classAxis)
        guard targets.shape == expected else {
            throw fail("targets \(targets.shape) do not match scores \(scores.shape) (expected targets \(expected))")
        }
        classes = scores.shape[classAxis]
        guard classes > 0 else { throw fail("no classes in scores \(scores.shape)") }
        scoreShape = scores.shape
        targetShape = expected
        rowCount = Shape.count(expected)
        self.targets = targets.to(.int64).contiguous()
        let t = self.targets.pointer(as: Int64.self)
        let ignored = Int64(ignoreIndex), classCount = Int64(classes)
        for r in 0..<rowCount where t[r] != ignored && (t[r] < 0 || t[r] >= classCount) {
            throw fail("target \(t[r]) at index \(r) is out of range for \(classes) classes (expected 0..<\(classes) or ignore index \(ignoreIndex))")
        }
        var moved = scores.detached()
        if scores.rank >= 3 { moved = moved.permuted([0] + Array(2..<scores.rank) + [1]) }
        rows = moved.contiguous().reshaped([rowCount, classes])
    }

    /// Maps a gradient for the [rows, classes] layout back to scores of shape `scoreShape`.
    /// (Static so that backward closures capture only the shape, not the scores.)
    static func gradient(_ rowGradient: Tensor, forScoreShape scoreShape: [Int]) -> Tensor {
        if scoreShape.count < 3 { return rowGradient.reshaped(scoreShape) }
        let rank = scoreShape.count
        let movedShape = [scoreShape[0]] + Array(scoreShape[2...]) + [scoreShape[1]]
        return rowGradient.reshaped(movedShape).permuted([0, rank - 1] + Array(1..<(rank - 1))).contiguous()
    }

    /// How many targets are not `ignoreIndex`.
    func countNotIgnored(_ ignoreIndex: Int) -> Int {
        let t = targets.pointer(as: Int64.self)
        var n = 0
        for r in 0..<rowCount where t[r] != Int64(ignoreIndex) { n += 1 }
        return n
    }
}
