import Testing
import FlintSupport

@Suite struct SHA1Tests {
    /// FIPS 180 / RFC 3174 test vectors.
    @Test func matchesStandardVectors() {
        #expect(SHA1.hexDigest(Array("".utf8)) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(SHA1.hexDigest(Array("abc".utf8)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA1.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(SHA1.hexDigest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    /// `int(hashlib.sha1(t.encode()).hexdigest(), 16) % 10` (and `% 7`) from Python 3.
    @Test func digestModuloMatchesPython() {
        let cases: [(String, Int, Int)] = [("", 5, 3), ("hello", 1, 3), ("好评", 0, 3), ("The quick brown fox", 7, 6)]
        for (text, mod10, mod7) in cases {
            #expect(SHA1.digestModulo(Array(text.utf8), 10) == mod10, "\(text)")
            #expect(SHA1.digestModulo(Array(text.utf8), 7) == mod7, "\(text)")
        }
    }
}
