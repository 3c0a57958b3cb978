import Testing
import FlintData

@Suite struct HashSplitTests {
    /// `int(hashlib.sha1(t.encode()).hexdigest(), 16) % 10 == 0` from Python 3 (the residues are checked in
    /// FlintSupportTests' SHA1Tests: "好评" → 0, "" → 5, "hello" → 1, "The quick brown fox" → 7).
    @Test func testSplitIsTheSHA1ResidueZero() {
        #expect(HashSplit.isTest("好评"))
        #expect(!HashSplit.isTest(""))
        #expect(!HashSplit.isTest("hello"))
        #expect(!HashSplit.isTest("The quick brown fox"))
    }
}
