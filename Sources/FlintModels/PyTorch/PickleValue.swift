import Flint

/// A value built by ``PickleReader``: the plain Python values a checkpoint's pickle holds, plus the
/// allow-listed globals and the tensors and storages the checkpoint reader builds from them.
///
/// Lists and dictionaries are reference types (``PickleList``, ``PickleDictionary``), as in Python:
/// the pickle machine appends to them after they have been memoised and shared.
public enum PickleValue: @unchecked Sendable {
    /// `None`.
    case none
    /// `True` or `False`.
    case bool(Bool)
    /// An `int` that fits in 64 bits.
    case integer(Int)
    /// An `int` too large for 64 bits: its little-endian two's-complement bytes.
    case largeInteger([UInt8])
    /// A `float`.
    case float(Double)
    /// A `str`.
    case string(String)
    /// A `bytes` object.
    case bytes([UInt8])
    /// A `tuple`.
    case tuple([PickleValue])
    /// A `list`.
    case list(PickleList)
    /// A `dict` or `collections.OrderedDict`.
    case dictionary(PickleDictionary)
    /// A global the reader allowed (`module.name`), not yet called.
    case global(module: String, name: String)
    /// A value a ``PickleReader`` client made (a tensor storage, a tensor, a layout marker, …).
    case opaque(AnyObject)

    /// A short description of the value's kind for error messages (never recursive: pickles can
    /// hold cycles).
    public var kind: String {
        switch self {
        case .none: return "None"
        case .bool(let value): return value ? "True" : "False"
        case .integer(let value): return "the int \(value)"
        case .largeInteger(let bytes): return "an int of \(bytes.count) bytes"
        case .float(let value): return "the float \(value)"
        case .string(let value): return "the str \"\(value.count > 60 ? String(value.prefix(60)) + "…" : value)\""
        case .bytes(let value): return "bytes (\(value.count))"
        case .tuple(let items): return "a tuple of \(items.count) items"
        case .list(let list): return "a list of \(list.items.count) items"
        case .dictionary(let dictionary): return "a dict of \(dictionary.count) entries"
        case .global(let module, let name): return "the global \(module).\(name)"
        case .opaque(let object): return "a \(type(of: object))"
        }
    }

    /// The string, if the value is a `str`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, if the value is an `int` (or a `bool`, as in Python).
    public var integerValue: Int? {
        switch self {
        case .integer(let value): return value
        case .bool(let value): return value ? 1 : 0
        default: return nil
        }
    }

    /// The items, if the value is a tuple or a list.
    public var sequenceItems: [PickleValue]? {
        switch self {
        case .tuple(let items): return items
        case .list(let list): return list.items
        default: return nil
        }
    }
}

/// A Python list built by the pickle machine (a reference, like Python's).
public final class PickleList {
    /// The items in order.
    public var items: [PickleValue] = []

    /// An empty list.
    public init() {}
}

/// A Python dict built by the pickle machine: entries keep their insertion order (as Python's do),
/// and setting an existing `str` or `int` key replaces its value in place.
public final class PickleDictionary {
    /// The entries in insertion order.
    public private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var stringKeys: [String: Int] = [:]
    private var integerKeys: [Int: Int] = [:]

    /// An empty dictionary.
    public init() {}

    /// The number of entries.
    public var count: Int { entries.count }

    /// Sets `key` to `value`.
    public func set(_ key: PickleValue, _ value: PickleValue) {
        switch key {
        case .string(let text):
            if let index = stringKeys[text] { entries[index].value = value; return }
            stringKeys[text] = entries.count
        case .integer(let number):
            if let index = integerKeys[number] { entries[index].value = value; return }
            integerKeys[number] = entries.count
        default:
            break
        }
        entries.append((key, value))
    }

    /// Removes every entry (``PickleContainerArena`` breaking reference cycles).
    func removeAll() {
        entries = []
        stringKeys = [:]
        integerKeys = [:]
    }

    /// The value for the `str` key `key`, if any.
    public subscript(key: String) -> PickleValue? {
        stringKeys[key].map { entries[$0].value }
    }
}

/// Every list and dict one ``PickleReader`` built. A pickle can make reference cycles (a list appended
/// to itself through the memo), which reference counting never frees: when the last reference to the
/// arena goes away it empties them all, so keep it (``PickleReader/containers``) as long as the values
/// are used.
public final class PickleContainerArena {
    private var lists: [PickleList] = []
    private var dictionaries: [PickleDictionary] = []

    init() {}

    /// A new empty list owned by the arena.
    func list() -> PickleList {
        let list = PickleList()
        lists.append(list)
        return list
    }

    /// A new empty dict owned by the arena.
    func dictionary() -> PickleDictionary {
        let dictionary = PickleDictionary()
        dictionaries.append(dictionary)
        return dictionary
    }

    deinit {
        for list in lists { list.items = [] }
        for dictionary in dictionaries { dictionary.removeAll() }
    }
}
