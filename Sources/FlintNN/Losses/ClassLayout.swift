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

    init(scores: Tensor, targets: Tensor, op: String) {
        precondition(scores.dtype == .float32, "\(op): scores must be float32, got \(scores.dtype)")
        precondition(scores.rank >= 1, "\(op): scores must have a class dimension, shape is \(scores.shape)")
        precondition(targets.dtype == .int64 || targets.dtype == .int32,
                     "\(op): targets must be int64 or int32 class indices, got \(targets.dtype)")
        let classAxis = scores.rank == 1 ? 0 : 1
        var expected = scores.shape
        expected.remove(at: classAxis)
        precondition(targets.shape == expected,
                     "\(op): targets \(targets.shape) do not match scores \(scores.shape) (expected targets \(expected))")
        classes = scores.shape[classAxis]
        precondition(classes > 0, "\(op): no classes in scores \(scores.shape)")
        scoreShape = scores.shape
        targetShape = expected
        rowCount = Shape.count(expected)
        var moved = scores.detached()
        if scores.rank >= 3 { moved = moved.permuted([0] + Array(2..<scores.rank) + [1]) }
        rows = moved.contiguous().reshaped([rowCount, classes])
        self.targets = targets.to(.int64).contiguous()
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
