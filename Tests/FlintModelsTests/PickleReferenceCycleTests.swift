import Testing
@testable import FlintModels

/// Pickles can make reference cycles; the lists and dicts of one are freed once its reader's
/// ``PickleContainerArena`` goes (found by `FuzzPyTorch` under LeakSanitizer, docs/fuzzing.md).
@Suite struct PickleReferenceCycleTests {
    /// Loads `bytes`, returning the value and the arena that keeps its containers filled.
    static func load(_ bytes: [UInt8]) throws -> (PickleValue, PickleContainerArena) {
        try bytes.withUnsafeBytes { raw in
            var reader = PickleReader(bytes: raw, path: "inline", field: "pickle", allowedGlobals: [])
            let value = try reader.load(reduce: { _, _, _ in .none }, persistentLoad: { _ in .none })
            return (value, reader.containers)
        }
    }

    /// PROTO 2, EMPTY_LIST, BINPUT 0, BINGET 0, APPEND, STOP: a list holding itself.
    @Test func aSelfContainingListIsFreed() throws {
        weak var weakList: PickleList?
        do {
            let (value, containers) = try Self.load([0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E])
            guard case .list(let list) = value else {
                Issue.record("expected a list, found \(value.kind)")
                return
            }
            weakList = list
            #expect(list.items.count == 1)
            if case .list(let inner) = list.items[0] { #expect(inner === list) } else { Issue.record("item is \(list.items[0].kind)") }
            withExtendedLifetime(containers) {}
        }
        #expect(weakList == nil, "the self-containing list leaked")
    }

    /// EMPTY_DICT, BINPUT 0, 'k', EMPTY_LIST, BINPUT 1, BINGET 0, APPEND, SETITEM, STOP: a dict whose
    /// "k" is a list holding the dict.
    @Test func aDictionaryListCycleIsFreed() throws {
        weak var weakDictionary: PickleDictionary?
        do {
            let bytes: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00, 0x8C, 0x01, 0x6B, 0x5D, 0x71, 0x01, 0x68, 0x00, 0x61, 0x73, 0x2E]
            let (value, containers) = try Self.load(bytes)
            guard case .dictionary(let dictionary) = value else {
                Issue.record("expected a dict, found \(value.kind)")
                return
            }
            weakDictionary = dictionary
            let items = try #require(dictionary["k"]?.sequenceItems)
            #expect(items.count == 1)
            if case .dictionary(let inner) = items[0] { #expect(inner === dictionary) } else { Issue.record("item is \(items[0].kind)") }
            withExtendedLifetime(containers) {}
        }
        #expect(weakDictionary == nil, "the dict ↔ list cycle leaked")
    }
}
