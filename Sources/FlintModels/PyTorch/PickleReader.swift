import Flint
import Foundation

/// A restricted reader of Python pickles (protocols 2–5) that never executes anything.
///
/// It runs the opcodes `torch.save` emits — containers, numbers, strings, memo, marks, globals,
/// `REDUCE`, `BUILD`, persistent ids — over plain values (``PickleValue``). A `GLOBAL` or
/// `STACK_GLOBAL` resolves only to a name on the allow-list; any other global throws an error that
/// names it. Calling an allowed global (`REDUCE`) and resolving a persistent id are left to the
/// client's closures, which build values such as tensors; `collections.OrderedDict()` is built in.
///
/// Every read is bounds-checked, every opcode consumes at least one byte and the stack grows by at
/// most one value per opcode, so any input ends in a value or an error in time linear in its size.
public struct PickleReader {
    /// Calls an allowed global with the arguments of a `REDUCE`; returns the result.
    public typealias Reduce = (_ module: String, _ name: String, _ arguments: [PickleValue]) throws -> PickleValue
    /// Resolves the persistent id of a `BINPERSID`.
    public typealias PersistentLoad = (_ identifier: PickleValue) throws -> PickleValue

    /// The file, for error messages.
    public let path: String
    /// The part of the file being read (such as `archive/data.pkl`), for error messages.
    public let field: String
    /// `module.name` of the globals the pickle may refer to.
    public let allowedGlobals: Set<String>

    private let bytes: UnsafeRawBufferPointer
    /// The byte after the last one read (after `STOP` once ``load(reduce:persistentLoad:)`` returns).
    public private(set) var position: Int
    /// The lists and dicts `load` builds: keep it while using the values it returned (it empties them
    /// when released, so that reference cycles a pickle made are freed).
    public let containers = PickleContainerArena()

    /// A reader of the pickle that starts at `start` in `bytes` (which must outlive the reader).
    public init(bytes: UnsafeRawBufferPointer, startingAt start: Int = 0, path: String, field: String,
                allowedGlobals: Set<String>) {
        self.bytes = bytes
        self.position = start
        self.path = path
        self.field = field
        self.allowedGlobals = allowedGlobals
    }

    private func invalid(_ what: String, _ expected: String, _ found: String, at offset: Int) -> FlintError {
        .invalidFile(path: path, field: "\(field) \(what) at byte \(offset)", expected: expected, found: found)
    }

    private mutating func take(_ count: Int, _ what: String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - position else {
            throw invalid(what, "\(count) more bytes", "the end of the pickle (\(bytes.count - position) bytes left)", at: position)
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
        position += count
        return slice
    }

    private mutating func littleEndian(_ count: Int, _ what: String) throws -> UInt64 {
        let slice = try take(count, what)
        var value: UInt64 = 0
        for i in stride(from: count - 1, through: 0, by: -1) { value = value << 8 | UInt64(slice[i]) }
        return value
    }

    private mutating func line(_ what: String) throws -> String {
        let start = position
        guard let end = bytes[start...].firstIndex(of: 0x0A) else {
            throw invalid(what, "a line ending in a newline", "the end of the pickle", at: start)
        }
        position = end + 1
        guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) else {
            throw invalid(what, "UTF-8 text", "invalid UTF-8", at: start)
        }
        return text
    }

    private mutating func utf8String(_ count: UInt64, _ what: String) throws -> String {
        guard count <= UInt64(bytes.count - position) else {
            throw invalid(what, "\(count) bytes of text", "the end of the pickle (\(bytes.count - position) bytes left)", at: position)
        }
        let start = position
        let slice = try take(Int(count), what)
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw invalid(what, "UTF-8 text", "invalid UTF-8", at: start)
        }
        return text
    }

    /// Runs the pickle up to its `STOP` and returns the value it leaves.
    ///
    /// - Throws: ``FlintError/invalidFile(path:field:expected:found:)`` naming the opcode and its
    ///   byte offset for an unknown opcode, a disallowed global, a malformed stream, or an error
    ///   from `reduce` or `persistentLoad`.
    public mutating func load(reduce: Reduce, persistentLoad: PersistentLoad) throws -> PickleValue {
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]

        while true {
            let offset = position
            let opcode = try take(1, "opcode")[0]
            // As in Python's Unpickler, a MARK starts a new frame: nothing below it can be popped except by the
            // opcode that pops the mark (a pickle that tries is corrupt, and would otherwise cut into the frame).
            func pop() throws -> PickleValue {
                if let mark = marks.last, stack.count <= mark {
                    throw invalid("opcode 0x\(String(opcode, radix: 16))", "a value above the last MARK", "an empty frame", at: offset)
                }
                guard let value = stack.popLast() else {
                    throw invalid("opcode 0x\(String(opcode, radix: 16))", "a value on the stack", "an empty stack", at: offset)
                }
                return value
            }
            func popMark() throws -> [PickleValue] {
                guard let mark = marks.popLast() else {
                    throw invalid("opcode 0x\(String(opcode, radix: 16))", "a MARK before it", "no MARK", at: offset)
                }
                guard mark <= stack.count else {
                    throw invalid("opcode 0x\(String(opcode, radix: 16))", "a MARK within the stack", "a MARK at \(mark) above \(stack.count) values", at: offset)
                }
                let items = Array(stack[mark...])
                stack.removeSubrange(mark...)
                return items
            }
            func top() throws -> PickleValue {
                guard let value = stack.last else {
                    throw invalid("opcode 0x\(String(opcode, radix: 16))", "a value on the stack", "an empty stack", at: offset)
                }
                return value
            }
            func put(_ index: Int) throws { memo[index] = try top() }
            func get(_ index: Int) throws {
                guard let value = memo[index] else {
                    throw invalid("memo get", "a memoised value at index \(index)", "none", at: offset)
                }
                stack.append(value)
            }
            func dictionary(_ value: PickleValue, _ what: String) throws -> PickleDictionary {
                guard case .dictionary(let dictionary) = value else {
                    throw invalid(what, "a dict to set items in", value.kind, at: offset)
                }
                return dictionary
            }
            func list(_ value: PickleValue, _ what: String) throws -> PickleList {
                guard case .list(let list) = value else {
                    throw invalid(what, "a list to append to", value.kind, at: offset)
                }
                return list
            }
            func global(_ module: String, _ name: String) throws -> PickleValue {
                guard allowedGlobals.contains("\(module).\(name)") else {
                    throw invalid("global", "one of the globals a PyTorch state dict uses (\(allowedGlobals.sorted().joined(separator: ", ")))",
                                  "\(module).\(name), which Flint does not load (it never runs code from a checkpoint)", at: offset)
                }
                return .global(module: module, name: name)
            }

            switch opcode {
            case 0x80:  // PROTO
                let version = try take(1, "PROTO")[0]
                guard version >= 2 && version <= 5 else {
                    throw invalid("PROTO", "pickle protocol 2 to 5", "protocol \(version)", at: offset)
                }
            case 0x95:  // FRAME: a length hint only.
                _ = try take(8, "FRAME")
            case 0x2E:  // STOP
                let value = try pop()
                return value
            case 0x28:  // MARK
                marks.append(stack.count)
            case 0x7D:  // EMPTY_DICT
                stack.append(.dictionary(containers.dictionary()))
            case 0x5D:  // EMPTY_LIST
                stack.append(.list(containers.list()))
            case 0x29:  // EMPTY_TUPLE
                stack.append(.tuple([]))
            case 0x64:  // DICT
                let items = try popMark()
                guard items.count % 2 == 0 else {
                    throw invalid("DICT", "key-value pairs", "\(items.count) items", at: offset)
                }
                let result = containers.dictionary()
                for i in stride(from: 0, to: items.count, by: 2) { result.set(items[i], items[i + 1]) }
                stack.append(.dictionary(result))
            case 0x6C:  // LIST
                let result = containers.list()
                result.items = try popMark()
                stack.append(.list(result))
            case 0x74:  // TUPLE
                stack.append(.tuple(try popMark()))
            case 0x85:  // TUPLE1
                let a = try pop()
                stack.append(.tuple([a]))
            case 0x86:  // TUPLE2
                let b = try pop(), a = try pop()
                stack.append(.tuple([a, b]))
            case 0x87:  // TUPLE3
                let c = try pop(), b = try pop(), a = try pop()
                stack.append(.tuple([a, b, c]))
            case 0x58:  // BINUNICODE
                stack.append(.string(try utf8String(try littleEndian(4, "BINUNICODE length"), "BINUNICODE")))
            case 0x8D:  // BINUNICODE8
                stack.append(.string(try utf8String(try littleEndian(8, "BINUNICODE8 length"), "BINUNICODE8")))
            case 0x8C:  // SHORT_BINUNICODE
                stack.append(.string(try utf8String(try littleEndian(1, "SHORT_BINUNICODE length"), "SHORT_BINUNICODE")))
            case 0x55:  // SHORT_BINSTRING (Python 2 str, read as Latin-1 like torch.load's default)
                let count = Int(try littleEndian(1, "SHORT_BINSTRING length"))
                stack.append(.string(String(decoding: try take(count, "SHORT_BINSTRING").map { UInt16($0) }, as: UTF16.self)))
            case 0x54:  // BINSTRING
                let count = Int(try littleEndian(4, "BINSTRING length"))
                stack.append(.string(String(decoding: try take(count, "BINSTRING").map { UInt16($0) }, as: UTF16.self)))
            case 0x43:  // SHORT_BINBYTES
                let count = Int(try littleEndian(1, "SHORT_BINBYTES length"))
                stack.append(.bytes(Array(try take(count, "SHORT_BINBYTES"))))
            case 0x42:  // BINBYTES
                let count = Int(try littleEndian(4, "BINBYTES length"))
                stack.append(.bytes(Array(try take(count, "BINBYTES"))))
            case 0x8E:  // BINBYTES8
                let count = try littleEndian(8, "BINBYTES8 length")
                guard count <= UInt64(bytes.count - position) else {
                    throw invalid("BINBYTES8", "\(count) bytes", "the end of the pickle", at: offset)
                }
                stack.append(.bytes(Array(try take(Int(count), "BINBYTES8"))))
            case 0x4A:  // BININT (signed 32-bit)
                stack.append(.integer(Int(Int32(bitPattern: UInt32(try littleEndian(4, "BININT"))))))
            case 0x4B:  // BININT1
                stack.append(.integer(Int(try littleEndian(1, "BININT1"))))
            case 0x4D:  // BININT2
                stack.append(.integer(Int(try littleEndian(2, "BININT2"))))
            case 0x8A, 0x8B:  // LONG1, LONG4: little-endian two's complement of the given length
                let count = Int(try littleEndian(opcode == 0x8A ? 1 : 4, "LONG length"))
                let slice = try take(count, "LONG")
                guard count <= 8 else {
                    stack.append(.largeInteger(Array(slice)))
                    break
                }
                var value: UInt64 = 0
                for i in stride(from: count - 1, through: 0, by: -1) { value = value << 8 | UInt64(slice[i]) }
                if count > 0 && count < 8 && slice[count - 1] & 0x80 != 0 {
                    value |= ~UInt64(0) << (8 * UInt64(count))  // sign-extend
                }
                stack.append(.integer(Int(Int64(bitPattern: value))))
            case 0x47:  // BINFLOAT (big-endian double)
                let slice = try take(8, "BINFLOAT")
                var bits: UInt64 = 0
                for byte in slice { bits = bits << 8 | UInt64(byte) }
                stack.append(.float(Double(bitPattern: bits)))
            case 0x88:  // NEWTRUE
                stack.append(.bool(true))
            case 0x89:  // NEWFALSE
                stack.append(.bool(false))
            case 0x4E:  // NONE
                stack.append(.none)
            case 0x73:  // SETITEM
                let value = try pop(), key = try pop()
                try dictionary(try top(), "SETITEM").set(key, value)
            case 0x75:  // SETITEMS
                let items = try popMark()
                guard items.count % 2 == 0 else {
                    throw invalid("SETITEMS", "key-value pairs", "\(items.count) items", at: offset)
                }
                let target = try dictionary(try top(), "SETITEMS")
                for i in stride(from: 0, to: items.count, by: 2) { target.set(items[i], items[i + 1]) }
            case 0x61:  // APPEND
                let value = try pop()
                try list(try top(), "APPEND").items.append(value)
            case 0x65:  // APPENDS
                let items = try popMark()
                try list(try top(), "APPENDS").items.append(contentsOf: items)
            case 0x71:  // BINPUT
                try put(Int(try littleEndian(1, "BINPUT")))
            case 0x72:  // LONG_BINPUT
                try put(Int(try littleEndian(4, "LONG_BINPUT")))
            case 0x94:  // MEMOIZE
                try put(memo.count)
            case 0x68:  // BINGET
                try get(Int(try littleEndian(1, "BINGET")))
            case 0x6A:  // LONG_BINGET
                try get(Int(try littleEndian(4, "LONG_BINGET")))
            case 0x30:  // POP (Python's load_pop: on an empty frame it pops the MARK instead)
                if let mark = marks.last, stack.count == mark { marks.removeLast() } else { _ = try pop() }
            case 0x31:  // POP_MARK
                _ = try popMark()
            case 0x32:  // DUP
                stack.append(try top())
            case 0x63:  // GLOBAL: "module\nname\n"
                let module = try line("GLOBAL module")
                let name = try line("GLOBAL name")
                stack.append(try global(module, name))
            case 0x93:  // STACK_GLOBAL
                let nameValue = try pop(), moduleValue = try pop()
                guard let module = moduleValue.stringValue, let name = nameValue.stringValue else {
                    throw invalid("STACK_GLOBAL", "a module and a name (two str)", "\(moduleValue.kind) and \(nameValue.kind)", at: offset)
                }
                stack.append(try global(module, name))
            case 0x52:  // REDUCE
                let arguments = try pop(), callable = try pop()
                guard case .global(let module, let name) = callable else {
                    throw invalid("REDUCE", "an allowed global to call", callable.kind, at: offset)
                }
                guard case .tuple(let items) = arguments else {
                    throw invalid("REDUCE", "a tuple of arguments for \(module).\(name)", arguments.kind, at: offset)
                }
                if module == "collections" && name == "OrderedDict" {
                    guard items.isEmpty else {
                        throw invalid("REDUCE", "collections.OrderedDict() with no arguments", "\(items.count) arguments", at: offset)
                    }
                    stack.append(.dictionary(containers.dictionary()))
                } else {
                    do {
                        stack.append(try reduce(module, name, items))
                    } catch let error as FlintError {
                        throw error
                    } catch {
                        throw invalid("REDUCE of \(module).\(name)", "arguments it accepts", "\(error)", at: offset)
                    }
                }
            case 0x62:  // BUILD: sets an object's state. Dicts and client objects ignore it
                        // (an OrderedDict's state is its `_metadata` attribute; a tensor's is its hooks).
                let state = try pop()
                switch try top() {
                case .dictionary, .opaque: break
                case let target:
                    throw invalid("BUILD", "a dict or a tensor to set state on", "\(target.kind) (state: \(state.kind))", at: offset)
                }
            case 0x51:  // BINPERSID
                let identifier = try pop()
                stack.append(try persistentLoad(identifier))
            default:
                throw invalid("opcode", "a pickle opcode that torch.save emits",
                              "0x\(String(opcode, radix: 16, uppercase: true))" + (opcode >= 0x20 && opcode < 0x7F ? " ('\(Character(Unicode.Scalar(opcode)))')" : ""),
                              at: offset)
            }
        }
    }
}
