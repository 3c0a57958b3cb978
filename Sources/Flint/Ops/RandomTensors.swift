import Foundation

// Random tensors drawn from a RandomGenerator. Every factory has two forms: one that draws from a
// generator the caller owns (`generator: &g`) and one that draws from the process-wide default
// generator (reseeded with `RandomGenerator.manualSeed`). Elements are drawn in row-major order, so
// the same seed always gives the same tensor.

extension Tensor {
    /// A float32 tensor of independent uniform samples in `[low, high)`:
    /// `low + (high − low) · u` with `u` a 24-bit uniform in `[0, 1)`.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               generator: inout RandomGenerator) -> Tensor {
        require(low <= high, "uniform: low \(low) is above high \(high)")
        let out = Tensor(uninitializedShape: shape, dtype: .float32)
        let p = out.pointer(as: Float.self)
        let width = high - low
        for i in 0..<out.count {
            p[i] = low + width * generator.nextFloat()
        }
        return out
    }

    /// ``uniform(_:low:high:generator:)`` drawing from the default generator.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1) -> Tensor {
        RandomGenerator.withDefault { uniform(shape, low: low, high: high, generator: &$0) }
    }

    /// A float32 tensor of independent normal samples with the given mean and standard deviation.
    ///
    /// Samples come in pairs from the Box–Muller transform, computed in Double: with u₁ ∈ (0, 1) and
    /// u₂ ∈ [0, 1), r = √(−2 ln u₁) gives `mean + std · r cos 2πu₂` and `mean + std · r sin 2πu₂`.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                              generator: inout RandomGenerator) -> Tensor {
        require(std >= 0, "normal: standard deviation \(std) is negative")
        let out = Tensor(uninitializedShape: shape, dtype: .float32)
        let p = out.pointer(as: Float.self)
        let n = out.count
        let pairs = (n + 1) / 2
        // The uniforms are drawn serially (the stream order fixes the values); the transcendental
        // transform, which dominates the cost, runs in parallel over blocks of pairs.
        let blockPairs = min(pairs, 1 << 15)
        let uniforms = UnsafeMutablePointer<Double>.allocate(capacity: max(2 * blockPairs, 1))
        defer { uniforms.deallocate() }
        var blockStart = 0
        while blockStart < pairs {
            let count = min(blockPairs, pairs - blockStart)
            for k in 0..<count {
                var u1 = generator.nextDouble()
                while u1 <= 0 { u1 = generator.nextDouble() }
                uniforms[2 * k] = u1
                uniforms[2 * k + 1] = generator.nextDouble()
            }
            let first = blockStart
            Parallel.forChunks(count, minimumChunk: 2048) { range in
                for k in range {
                    let radius = (-2 * Foundation.log(uniforms[2 * k])).squareRoot()
                    let angle = 2 * Double.pi * uniforms[2 * k + 1]
                    let i = 2 * (first + k)
                    p[i] = mean + std * Float(radius * Foundation.cos(angle))
                    if i + 1 < n { p[i + 1] = mean + std * Float(radius * Foundation.sin(angle)) }
                }
            }
            blockStart += count
        }
        return out
    }

    /// ``normal(_:mean:std:generator:)`` drawing from the default generator.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1) -> Tensor {
        RandomGenerator.withDefault { normal(shape, mean: mean, std: std, generator: &$0) }
    }

    /// A float32 tensor of independent Bernoulli samples: 1 with `probability`, else 0
    /// (1 exactly when a 24-bit uniform `u` satisfies `u < probability`).
    public static func bernoulli(_ shape: [Int], probability: Float,
                                 generator: inout RandomGenerator) -> Tensor {
        require(probability >= 0 && probability <= 1, "bernoulli: probability \(probability) is outside [0, 1]")
        let out = Tensor(uninitializedShape: shape, dtype: .float32)
        let p = out.pointer(as: Float.self)
        for i in 0..<out.count {
            p[i] = generator.nextFloat() < probability ? 1 : 0
        }
        return out
    }

    /// ``bernoulli(_:probability:generator:)`` drawing from the default generator.
    public static func bernoulli(_ shape: [Int], probability: Float) -> Tensor {
        RandomGenerator.withDefault { bernoulli(shape, probability: probability, generator: &$0) }
    }

    /// A random permutation of `0 ..< n` as an int64 tensor (`torch.randperm`); the same sequence
    /// as ``RandomGenerator/permutation(_:)`` for the same generator state.
    public static func randomPermutation(_ n: Int, generator: inout RandomGenerator) -> Tensor {
        require(n >= 0, "randomPermutation: n \(n) is negative")
        let out = Tensor(uninitializedShape: [n], dtype: .int64)
        let p = out.pointer(as: Int64.self)
        for i in 0..<n { p[i] = Int64(i) }
        if n < 2 { return out }
        // Fisher–Yates, from the last position down, as RandomGenerator.permutation.
        for i in stride(from: n - 1, to: 0, by: -1) {
            let j = generator.nextInt(below: i + 1)
            let t = p[i]
            p[i] = p[j]
            p[j] = t
        }
        return out
    }

    /// ``randomPermutation(_:generator:)`` drawing from the default generator.
    public static func randomPermutation(_ n: Int) -> Tensor {
        RandomGenerator.withDefault { randomPermutation(n, generator: &$0) }
    }

    /// An int64 tensor of independent uniform integers in `low ..< high` (`torch.randint`).
    public static func randomIntegers(_ shape: [Int], low: Int, high: Int,
                                      generator: inout RandomGenerator) -> Tensor {
        require(low < high, "randomIntegers: empty range \(low) ..< \(high)")
        let (span, overflow) = high.subtractingReportingOverflow(low)
        require(!overflow, "randomIntegers: range \(low) ..< \(high) is too wide")
        let out = Tensor(uninitializedShape: shape, dtype: .int64)
        let p = out.pointer(as: Int64.self)
        for i in 0..<out.count {
            p[i] = Int64(low + generator.nextInt(below: span))
        }
        return out
    }

    /// ``randomIntegers(_:low:high:generator:)`` drawing from the default generator.
    public static func randomIntegers(_ shape: [Int], low: Int, high: Int) -> Tensor {
        RandomGenerator.withDefault { randomIntegers(shape, low: low, high: high, generator: &$0) }
    }
}
