import Flint

/// Independent random streams derived from one seed, so that each epoch's shuffle and each
/// batch's augmentation have their own reproducible generator.
///
/// `derivedSeed(seed, a, b, …)` folds each component in with the SplitMix64 finaliser
/// (`h ← mix(h ⊕ mix(component + φ))`, φ = 0x9E3779B97F4A7C15), so nearby inputs give
/// unrelated seeds and the result depends on the order of the components.
enum SeedDerivation {
    /// The stream of the permutation that shuffles an epoch.
    static let shuffleStream: UInt64 = 0x5348_5546  // "SHUF"
    /// The stream of the random transforms of one batch.
    static let augmentationStream: UInt64 = 0x4155_474D  // "AUGM"

    /// The SplitMix64 output function: a bijective 64-bit mixer.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A seed determined by `seed` and `components`, in order.
    static func seed(_ seed: UInt64, _ components: UInt64...) -> UInt64 {
        var h = mix(seed)
        for component in components {
            h = mix(h ^ mix(component &+ 0x9E37_79B9_7F4A_7C15))
        }
        return h
    }

    /// The generator that shuffles epoch `epoch`.
    static func shuffleGenerator(seed: UInt64, epoch: Int) -> RandomGenerator {
        RandomGenerator(seed: Self.seed(seed, shuffleStream, UInt64(bitPattern: Int64(epoch))))
    }

    /// The generator for the transforms of batch `batch` of epoch `epoch`.
    static func augmentationGenerator(seed: UInt64, epoch: Int, batch: Int) -> RandomGenerator {
        RandomGenerator(seed: Self.seed(seed, augmentationStream, UInt64(bitPattern: Int64(epoch)),
                                        UInt64(bitPattern: Int64(batch))))
    }
}
