import Testing
@testable import FlintModels

/// A MARK starts a new frame on the pickle stack, as in Python's `Unpickler`: nothing below it can be popped but
/// the mark itself. FuzzPyTorch found a pickle (MARK, POP, LIST) whose POP cut into the marked frame, after which
/// LIST's slice `stack[mark...]` trapped (docs/fuzzing.md).
@Suite struct PickleMarkFrameTests {
    static func load(_ bytes: [UInt8]) throws -> PickleValue {
        try bytes.withUnsafeBytes { raw in
            var reader = PickleReader(bytes: raw, path: "inline", field: "pickle", allowedGlobals: [])
            return try reader.load(reduce: { _, _, _ in .none }, persistentLoad: { _ in .none })
        }
    }

    /// Whether loading `bytes` throws a reader error mentioning `expected`.
    static func throwsError(_ bytes: [UInt8], mentioning expected: String) -> Bool {
        do { _ = try load(bytes); return false } catch { return "\(error)".contains(expected) }
    }

    /// PROTO 2, NONE, MARK, POP, LIST, STOP: Python's POP on an empty frame pops the MARK, so LIST finds none.
    @Test func popOnAnEmptyFramePopsTheMark() {
        #expect(Self.throwsError([0x80, 0x02, 0x4E, 0x28, 0x30, 0x6C, 0x2E], mentioning: "no MARK"))
        #expect(Self.throwsError([0x80, 0x02, 0x4E, 0x28, 0x4E, 0x30, 0x30, 0x6C, 0x2E], mentioning: "no MARK"))
    }

    /// PROTO 2, NONE, MARK, TUPLE1, STOP: TUPLE1 may not take the None below the MARK.
    @Test func opcodesCannotPopBelowTheMark() {
        #expect(Self.throwsError([0x80, 0x02, 0x4E, 0x28, 0x85, 0x2E], mentioning: "empty frame"))
    }

    /// PROTO 2, MARK, NONE, NONE, TUPLE, STOP is (None, None), and NONE, MARK, NONE, POP, POP, STOP leaves the
    /// first None: well-formed frames still load.
    @Test func wellFormedFramesLoad() throws {
        let tuple = try Self.load([0x80, 0x02, 0x28, 0x4E, 0x4E, 0x74, 0x2E])
        if case .tuple(let items) = tuple { #expect(items.count == 2) } else { Issue.record("expected a tuple, found \(tuple.kind)") }
        let value = try Self.load([0x80, 0x02, 0x4E, 0x28, 0x4E, 0x30, 0x30, 0x2E])
        if case .none = value {} else { Issue.record("expected None, found \(value.kind)") }
    }
}
