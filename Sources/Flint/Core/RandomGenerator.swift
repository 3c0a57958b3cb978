import Foundation
import Synchronization

/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64) that gives the
/// same sequence for the same seed on every run and machine.
///
/// Flint has one process-wide default generator, reseeded with ``manualSeed(_:)`` (as
/// `torch.manual_seed`); code that wants its own stream creates a generator.
public struct RandomGenerator: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The seed this generator started from.
    public let seed: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        var x = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E3779B97F4A7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&x); s1 = splitMix(&x); s2 = splitMix(&x); s3 = splitMix(&x)
    }

    /// The full internal state, for checkpoints.
    public var state: [UInt64] { [s0, s1, s2, s3, seed] }

    /// Restores a generator from ``state``.
    public init?(state: [UInt64]) {
        guard state.count == 5 else { return nil }
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3]; seed = state[4]
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform float in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform integer in `0..<bound` (unbiased, by rejection).
    public mutating func nextInt(below bound: Int) -> Int {
        require(bound > 0, "RandomGenerator: bound must be positive")
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let v = next()
            if v < limit { return Int(v % b) }
        }
    }

    /// A standard normal sample (Box–Muller, computed in Double).
    public mutating func nextNormal() -> Float {
        var u1 = nextDouble()
        while u1 <= 0 { u1 = nextDouble() }
        let u2 = nextDouble()
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    /// A random permutation of `0..<n` (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            p.swapAt(i, nextInt(below: i + 1))
        }
        return p
    }

    /// The process-wide default generator.
    static let shared = Mutex(RandomGenerator(seed: 0))

    /// Reseeds the default generator (like `torch.manual_seed`).
    public static func manualSeed(_ seed: UInt64) {
        shared.withLock { $0 = RandomGenerator(seed: seed) }
    }

    /// Runs `body` with exclusive access to the default generator: the innermost
    /// ``withScopedDefault(seed:_:)`` generator of this task/thread if there is one, else the
    /// process-wide one.
    public static func withDefault<R>(_ body: (inout RandomGenerator) throws -> R) rethrows -> R {
        if let box = scoped {
            return try body(&box.generator)
        }
        return try shared.withLock { try body(&$0) }
    }

    /// Runs `body` with a private default generator seeded with `seed`: initialisers, dropout and
    /// random tensors inside it draw from that generator, so concurrent work elsewhere in the
    /// process (other threads, parallel tests) cannot change the sequence it sees.
    public static func withScopedDefault<R>(seed: UInt64, _ body: () throws -> R) rethrows -> R {
        try $scoped.withValue(ScopedGenerator(RandomGenerator(seed: seed))) { try body() }
    }

    /// The scoped generator of the current task/thread.
    @TaskLocal static var scoped: ScopedGenerator? = nil
}

/// A generator owned by one ``RandomGenerator/withScopedDefault(seed:_:)`` scope.
final class ScopedGenerator: @unchecked Sendable {
    var generator: RandomGenerator
    init(_ generator: RandomGenerator) { self.generator = generator }
}
