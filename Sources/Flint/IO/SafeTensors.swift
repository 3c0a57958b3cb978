#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import FlintSupport

#if _endian(big)
#error("SafeTensors reads tensors in place and assumes a little-endian host")
#endif

// The safetensors format (as written by Hugging Face's `safetensors` library):
//
//   bytes 0..<8       N, the header length, a little-endian UInt64 (at most 100 MB)
//   bytes 8..<8+N     a UTF-8 JSON object, starting with `{`, possibly padded with spaces:
//                       {"__metadata__": {"key": "value", …},
//                        "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …}
//   bytes 8+N..<end   the data buffer; each tensor occupies buffer[begin..<end], little-endian,
//                     row-major, with end − begin = product(shape) · size(dtype)
//
// The regions of all tensors, sorted by offset, tile the buffer exactly: no gap, no overlap, no
// trailing bytes. Readers here check all of that and report any violation as a FlintError naming
// the file and the field.

/// The element types of the safetensors format and their sizes.
enum SafeTensorsDType: String, CaseIterable, Sendable {
    case bool = "BOOL", uint8 = "U8", int8 = "I8", int16 = "I16", uint16 = "U16", int32 = "I32"
    case uint32 = "U32", int64 = "I64", uint64 = "U64", float16 = "F16", bfloat16 = "BF16"
    case float32 = "F32", float64 = "F64"

    /// Bytes per element.
    var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .int16, .uint16, .float16, .bfloat16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        }
    }

    /// The format's name for a Flint dtype (every Flint dtype has one).
    init(_ dtype: DType) {
        switch dtype {
        case .float32: self = .float32
        case .float16: self = .float16
        case .bfloat16: self = .bfloat16
        case .int64: self = .int64
        case .int32: self = .int32
        case .uint8: self = .uint8
        case .bool: self = .bool
        }
    }
}

/// A safetensors file opened for reading: the header is parsed and checked up front, and tensors
/// are read on demand from a memory mapping of the file.
///
/// `F32`, `F16`, `BF16`, `I64`, `I32`, `U8` and `BOOL` tensors come back as Flint tensors of the
/// matching dtype that borrow the mapping (no copy; they keep the mapping alive). `F64` is converted
/// to float32; `I8`, `I16` and `U16` to int32; `U32` and `U64` to int64 (a `U64` value above
/// `Int64.max` is an error). A tensor whose bytes are not aligned to its element size in memory, or
/// a `BOOL` tensor with bytes other than 0 and 1, is copied (bools normalised to 0/1).
public struct SafeTensorsFile: Sendable {
    /// The largest header accepted, in bytes (as the reference implementation).
    public static let maximumHeaderLength = 100_000_000

    /// The path of the file.
    public let path: String
    /// The names of the tensors, sorted.
    public let names: [String]
    /// The free-form string metadata of the `__metadata__` entry (empty when absent).
    public let metadata: [String: String]

    private let file: MappedFile
    private let entries: [String: Entry]
    /// Offset of the data buffer in the file (8 + header length).
    private let bufferStart: Int

    /// One tensor's description in the header.
    struct Entry: Sendable {
        let dtype: SafeTensorsDType
        let shape: [Int]
        let begin: Int
        let end: Int
        var count: Int { Shape.count(shape) }
    }

    /// Maps the file at `url` and checks its header and layout.
    ///
    /// - Throws: ``FlintError/io(path:message:)`` when the file cannot be opened or mapped;
    ///   ``FlintError/invalidFile(path:field:expected:found:)`` naming the field at fault when the
    ///   header length, the JSON, any tensor's dtype, shape or data offsets, or the buffer layout
    ///   (overlaps, gaps, trailing bytes) is wrong.
    public init(contentsOf url: URL) throws {
        let path = url.path
        let file = try MappedFile(path: path)
        self.path = path
        self.file = file
        func invalid(_ field: String, _ expected: String, _ found: String) -> FlintError {
            .invalidFile(path: path, field: field, expected: expected, found: found)
        }
        guard file.byteCount >= 8 else {
            throw invalid("header length", "an 8-byte little-endian length prefix", "a file of \(file.byteCount) bytes")
        }
        let declared = UInt64(littleEndian: file.data.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(SafeTensorsFile.maximumHeaderLength) else {
            throw invalid("header length", "at most \(SafeTensorsFile.maximumHeaderLength) bytes", "\(declared)")
        }
        let headerLength = Int(declared)
        guard headerLength <= file.byteCount - 8 else {
            throw invalid("header length", "at most \(file.byteCount - 8) (the bytes after the length prefix)", "\(headerLength)")
        }
        bufferStart = 8 + headerLength
        let header = UnsafeRawBufferPointer(start: file.data + 8, count: headerLength)
        guard String(validating: header, as: UTF8.self) != nil else {
            throw invalid("header", "UTF-8 text", "bytes that are not valid UTF-8")
        }
        guard headerLength > 0, header[0] == UInt8(ascii: "{") else {
            throw invalid("header", "a JSON object starting with '{'",
                          headerLength == 0 ? "an empty header" : "a header starting with byte \(header[0])")
        }
        var parser = HeaderJSONParser(bytes: header, path: path)
        let root = try parser.parseDocument()
        guard case .object(let members) = root else {
            throw invalid("header", "a JSON object", "another JSON value")
        }

        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        for (name, value) in members {
            if name == "__metadata__" {
                switch value {
                case .null: break
                case .object(let pairs):
                    for (key, item) in pairs {
                        guard case .string(let text) = item else {
                            throw invalid("__metadata__ \"\(key)\"", "a string value", item.kind)
                        }
                        metadata[key] = text
                    }
                default:
                    throw invalid("__metadata__", "an object of string values", value.kind)
                }
                continue
            }
            entries[name] = try SafeTensorsFile.entry(named: name, from: value, path: path)
        }

        // The regions, in offset order, must tile the buffer exactly.
        let bufferLength = file.byteCount - bufferStart
        let ordered = entries.sorted { ($0.value.begin, $0.value.end, $0.key) < ($1.value.begin, $1.value.end, $1.key) }
        var position = 0
        for (name, entry) in ordered {
            guard entry.begin == position else {
                throw invalid("tensor \"\(name)\" data_offsets",
                              "a region starting at byte \(position) of the data buffer (right after the previous tensor)",
                              "[\(entry.begin), \(entry.end)] (\(entry.begin < position ? "overlapping" : "leaving a gap"))")
            }
            let (bytes, overflow) = entry.count.multipliedReportingOverflow(by: entry.dtype.byteSize)
            guard !overflow, entry.end - entry.begin == bytes else {
                throw invalid("tensor \"\(name)\" data_offsets",
                              "\(overflow ? "a size that fits in 64 bits" : "\(bytes) bytes") for dtype \(entry.dtype.rawValue) and shape \(entry.shape)",
                              "[\(entry.begin), \(entry.end)] (\(entry.end - entry.begin) bytes)")
            }
            position = entry.end
        }
        guard position == bufferLength else {
            throw invalid("data buffer", "\(position) bytes (the end of the last tensor)",
                          "\(bufferLength) bytes after the header")
        }
        self.entries = entries
        self.metadata = metadata
        self.names = entries.keys.sorted()
    }

    /// Checks one tensor entry of the header.
    private static func entry(named name: String, from value: HeaderJSON, path: String) throws -> Entry {
        func invalid(_ field: String, _ expected: String, _ found: String) -> FlintError {
            .invalidFile(path: path, field: "tensor \"\(name)\" \(field)", expected: expected, found: found)
        }
        guard case .object(let fields) = value else {
            throw FlintError.invalidFile(path: path, field: "tensor \"\(name)\"",
                                         expected: "an object with dtype, shape and data_offsets", found: value.kind)
        }
        var dtypeValue: HeaderJSON?, shapeValue: HeaderJSON?, offsetsValue: HeaderJSON?
        for (key, field) in fields {
            switch key {
            case "dtype": dtypeValue = field
            case "shape": shapeValue = field
            case "data_offsets": offsetsValue = field
            default: break  // Unknown fields are ignored, as by the reference reader.
            }
        }
        guard case .string(let dtypeName)? = dtypeValue else {
            throw invalid("dtype", "a string", dtypeValue?.kind ?? "nothing")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw invalid("dtype", "one of \(SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", "))", "\"\(dtypeName)\"")
        }
        guard case .array(let dimensions)? = shapeValue else {
            throw invalid("shape", "an array of non-negative integers", shapeValue?.kind ?? "nothing")
        }
        var shape: [Int] = []
        var elements = 1
        for dimension in dimensions {
            guard case .integer(let size) = dimension, size >= 0 else {
                throw invalid("shape", "an array of non-negative integers", "an element that is \(dimension.kind)")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw invalid("shape", "an element count that fits in 64 bits", "\(dimensions.count)-dimensional shape overflowing it")
            }
            elements = product
            shape.append(size)
        }
        guard case .array(let offsets)? = offsetsValue, offsets.count == 2,
              case .integer(let begin) = offsets[0], case .integer(let end) = offsets[1],
              begin >= 0, end >= begin else {
            throw invalid("data_offsets", "[begin, end] with 0 ≤ begin ≤ end", offsetsValue?.description ?? "nothing")
        }
        return Entry(dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// The safetensors dtype name (such as `"F32"`) and the shape of the tensor `name`.
    ///
    /// - Throws: ``FlintError/missingEntry(path:name:)`` when the file has no such tensor.
    public func info(_ name: String) throws -> (dtype: String, shape: [Int]) {
        guard let entry = entries[name] else { throw FlintError.missingEntry(path: path, name: name) }
        return (entry.dtype.rawValue, entry.shape)
    }

    /// The tensor `name` (zero-copy for the dtypes Flint stores natively; see ``SafeTensorsFile``).
    ///
    /// - Throws: ``FlintError/missingEntry(path:name:)`` when the file has no such tensor, and
    ///   ``FlintError/invalidFile(path:field:expected:found:)`` for a `U64` value Flint's int64
    ///   cannot hold.
    public func tensor(named name: String) throws -> Tensor {
        guard let entry = entries[name] else { throw FlintError.missingEntry(path: path, name: name) }
        let bytes = UnsafeMutableRawPointer(file.data + bufferStart + entry.begin)
        let count = entry.count
        let byteCount = entry.end - entry.begin
        /// A tensor over the mapped bytes, or over a copy when they are misaligned for `dtype`.
        func native(_ dtype: DType) -> Tensor {
            if Int(bitPattern: bytes) % dtype.byteSize == 0 {
                let storage = TensorStorage(borrowing: bytes, byteCount: byteCount, owner: file)
                return Tensor(storage: storage, dtype: dtype, shape: entry.shape)
            }
            let out = Tensor(uninitializedShape: entry.shape, dtype: dtype)
            out.storage.data.copyMemory(from: bytes, byteCount: byteCount)
            return out
        }
        /// A new tensor of `dtype` filled by converting each stored element.
        func converted<Stored, Value>(_ stored: Stored.Type, to dtype: DType, as value: Value.Type,
                                      _ convert: (Stored) throws -> Value) rethrows -> Tensor {
            let out = Tensor(uninitializedShape: entry.shape, dtype: dtype)
            let target = out.storage.data.assumingMemoryBound(to: Value.self)
            let size = MemoryLayout<Stored>.size
            for i in 0..<count {
                target[i] = try convert(UnsafeRawPointer(bytes).loadUnaligned(fromByteOffset: i * size, as: Stored.self))
            }
            return out
        }
        switch entry.dtype {
        case .float32: return native(.float32)
        case .float16: return native(.float16)
        case .bfloat16: return native(.bfloat16)
        case .int64: return native(.int64)
        case .int32: return native(.int32)
        case .uint8: return native(.uint8)
        case .bool:
            let raw = bytes.assumingMemoryBound(to: UInt8.self)
            var clean = true
            for i in 0..<count where raw[i] > 1 {
                clean = false
                break
            }
            if clean { return native(.bool) }
            return converted(UInt8.self, to: .bool, as: UInt8.self) { $0 != 0 ? 1 : 0 }
        case .float64:
            return converted(UInt64.self, to: .float32, as: Float.self) { Float(Double(bitPattern: UInt64(littleEndian: $0))) }
        case .int8:
            return converted(Int8.self, to: .int32, as: Int32.self) { Int32($0) }
        case .int16:
            return converted(Int16.self, to: .int32, as: Int32.self) { Int32(Int16(littleEndian: $0)) }
        case .uint16:
            return converted(UInt16.self, to: .int32, as: Int32.self) { Int32(UInt16(littleEndian: $0)) }
        case .uint32:
            return converted(UInt32.self, to: .int64, as: Int64.self) { Int64(UInt32(littleEndian: $0)) }
        case .uint64:
            return try converted(UInt64.self, to: .int64, as: Int64.self) { stored in
                let value = UInt64(littleEndian: stored)
                guard value <= UInt64(Int64.max) else {
                    throw FlintError.invalidFile(path: path, field: "tensor \"\(name)\" data",
                                                 expected: "U64 values up to \(Int64.max) (Flint reads U64 as int64)",
                                                 found: "\(value)")
                }
                return Int64(value)
            }
        }
    }

    /// Every tensor in the file, by name.
    public func loadAll() throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        result.reserveCapacity(names.count)
        for name in names { result[name] = try tensor(named: name) }
        return result
    }
}

/// Writing safetensors files.
public enum SafeTensors {
    /// Writes `tensors` (and optional string `metadata`) to `url` in the safetensors format.
    ///
    /// The header is compact JSON with sorted keys (`__metadata__` first when not empty), padded
    /// with spaces to a multiple of 8 bytes so that the data buffer starts 8-byte aligned. In the
    /// buffer, tensors are ordered by decreasing element size, then by name (as the reference
    /// writer does), so every tensor starts aligned to its element size and reads back without a
    /// copy. Every Flint dtype is stored natively (float32 → F32,
    /// float16 → F16, bfloat16 → BF16, int64 → I64, int32 → I32, uint8 → U8, bool → BOOL).
    ///
    /// The write is atomic (``FlintSupport/AtomicFile``): the bytes go to a temporary file in the same
    /// directory, which is flushed with `fsync`, renamed over `url`, and the directory is flushed; a
    /// crash leaves either the old file or the new one, and a failed write leaves no temporary file.
    ///
    /// - Throws: ``FlintError/invalidArgument(operation:message:)`` for the reserved name
    ///   `__metadata__`; ``FlintError/io(path:message:)`` naming the path when writing fails.
    public static func save(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        if tensors["__metadata__"] != nil {
            throw FlintError.invalidArgument(operation: "SafeTensors.save",
                                             message: "\"__metadata__\" is reserved for metadata and cannot name a tensor (\(url.path))")
        }
        // Data order: larger elements first, then by name.
        let names = tensors.keys.sorted {
            let a = tensors[$0]!.dtype.byteSize, b = tensors[$1]!.dtype.byteSize
            return a != b ? a > b : $0 < $1
        }
        let contiguous = withNoGrad { names.map { tensors[$0]!.contiguous() } }
        let header = headerBytes(names: names, tensors: contiguous, metadata: metadata)
        var prefix = [UInt8](repeating: 0, count: 8)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { prefix.replaceSubrange(0..<8, with: $0) }

        do {
            let writer = try AtomicFile.writer(to: url)
            do {
                try writer.write(prefix)
                try writer.write(header)
                for t in contiguous {
                    try writer.write(UnsafeRawBufferPointer(start: UnsafeRawPointer(t.storage.data + t.offset * t.dtype.byteSize),
                                                            count: t.count * t.dtype.byteSize))
                }
                try writer.commit()
            } catch {
                writer.discard()
                throw error
            }
        } catch let failure as FileSystemError {
            throw FlintError(failure, writing: url)
        }
    }

    /// The JSON header (keys sorted) for contiguous tensors stored in the buffer in `names` order,
    /// padded with spaces to a multiple of 8 bytes.
    static func headerBytes(names: [String], tensors: [Tensor], metadata: [String: String]) -> [UInt8] {
        var entries: [(name: String, json: String)] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append(("__metadata__", "\"__metadata__\":{" + pairs.joined(separator: ",") + "}"))
        }
        var offset = 0
        var tensorEntries: [(name: String, json: String)] = []
        for (name, t) in zip(names, tensors) {
            let bytes = t.count * t.dtype.byteSize
            var json = "\(jsonString(name)):{\"dtype\":\"\(SafeTensorsDType(t.dtype).rawValue)\","
            json += "\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],"
            json += "\"data_offsets\":[\(offset),\(offset + bytes)]}"
            tensorEntries.append((name, json))
            offset += bytes
        }
        entries += tensorEntries.sorted { $0.name < $1.name }
        let json = "{" + entries.map(\.json).joined(separator: ",") + "}"
        var bytes = Array(json.utf8)
        while bytes.count % 8 != 0 { bytes.append(UInt8(ascii: " ")) }
        return bytes
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String { JSONText.quoted(text) }
}

// MARK: - Header JSON

/// A parsed JSON value of a safetensors header. Object members keep their order; integers that
/// fit in `Int` are kept exact.
indirect enum HeaderJSON: CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([HeaderJSON])
    case object([(String, HeaderJSON)])

    /// What kind of value this is, for error messages.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer(let v): return "the integer \(v)"
        case .number(let v): return "the number \(v)"
        case .string(let s): return "the string \"\(s.prefix(40))\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .integer(let v): return "\(v)"
        case .number(let v): return "\(v)"
        case .string(let s): return "\"\(s.prefix(40))\""
        case .array(let items): return "[" + items.prefix(8).map(\.description).joined(separator: ", ") + (items.count > 8 ? ", …]" : "]")
        case .object: return "an object"
        }
    }
}

/// A strict JSON (RFC 8259) parser over the header bytes, with a nesting limit so that hostile
/// headers cannot exhaust the stack. Errors name the file and the byte position.
struct HeaderJSONParser {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var position = 0
    static let maximumDepth = 64

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    /// Parses one value followed only by whitespace.
    mutating func parseDocument() throws -> HeaderJSON {
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if position != bytes.count { throw error("the end of the header after the JSON value") }
        return value
    }

    private func error(_ expected: String) -> FlintError {
        let found = position < bytes.count ? "byte '\(printable(bytes[position]))'" : "the end of the header"
        return .invalidFile(path: path, field: "header JSON at byte \(8 + position)", expected: expected, found: found)
    }

    private func printable(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "0x" + String(byte, radix: 16)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws -> HeaderJSON {
        skipWhitespace()
        guard position < bytes.count else { throw error("a JSON value") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            guard depth < HeaderJSONParser.maximumDepth else { throw error("at most \(HeaderJSONParser.maximumDepth) levels of nesting") }
            position += 1
            var members: [(String, HeaderJSON)] = []
            var seen = Set<String>()
            skipWhitespace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("a string key") }
                let keyStart = position
                let key = try parseString()
                guard seen.insert(key).inserted else {
                    position = keyStart
                    throw error("unique keys (\"\(key.prefix(40))\" appears twice)")
                }
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("':' after a key") }
                position += 1
                members.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                guard position < bytes.count else { throw error("',' or '}'") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                throw error("',' or '}'")
            }
        case UInt8(ascii: "["):
            guard depth < HeaderJSONParser.maximumDepth else { throw error("at most \(HeaderJSONParser.maximumDepth) levels of nesting") }
            position += 1
            var items: [HeaderJSON] = []
            skipWhitespace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            while true {
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw error("',' or ']'") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw error("',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw error("a JSON value")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error("'\(literal)'") }
        for i in 0..<count where bytes[position + i] != literal.utf8Start[i] {
            throw error("'\(literal)'")
        }
        position += count
    }

    private mutating func digits() -> Int {
        let start = position
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            position += 1
        }
        return position - start
    }

    private mutating func parseNumber() throws -> HeaderJSON {
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        let integerStart = position
        let integerDigits = digits()
        guard integerDigits > 0 else { throw error("a digit") }
        guard integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else {
            position = integerStart
            throw error("a number without leading zeros")
        }
        var isInteger = true
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            position += 1
            isInteger = false
            guard digits() > 0 else { throw error("a digit after '.'") }
        }
        if position < bytes.count && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")) {
            position += 1
            isInteger = false
            if position < bytes.count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) {
                position += 1
            }
            guard digits() > 0 else { throw error("a digit in the exponent") }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger {
            var value = 0
            var overflow = false
            for i in integerStart..<(integerStart + integerDigits) {
                let digit = Int(bytes[i] - UInt8(ascii: "0"))
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = negative ? m.subtractingReportingOverflow(digit) : m.addingReportingOverflow(digit)
                if o1 || o2 { overflow = true; break }
                value = s
            }
            if !overflow { return .integer(value) }
        }
        return .number(Double(text) ?? .nan)
    }

    /// Parses a string literal at `position` (which holds the opening quote).
    private mutating func parseString() throws -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var runStart = position
        func flushRun(_ parser: HeaderJSONParser, upTo end: Int) {
            if end > runStart {
                let run = String(decoding: UnsafeRawBufferPointer(rebasing: parser.bytes[runStart..<end]), as: UTF8.self)
                scalars.append(contentsOf: run.unicodeScalars)
            }
        }
        while true {
            guard position < bytes.count else { throw error("a closing '\"'") }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                flushRun(self, upTo: position)
                position += 1
                return String(scalars)
            }
            if byte < 0x20 { throw error("no raw control characters in a string") }
            if byte != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            flushRun(self, upTo: position)
            position += 1
            guard position < bytes.count else { throw error("an escape character") }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = try hexQuad()
                if code >= 0xD800 && code < 0xDC00 {
                    guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"),
                          bytes[position + 1] == UInt8(ascii: "u") else {
                        throw error("a low surrogate escape after a high surrogate")
                    }
                    position += 2
                    let low = try hexQuad()
                    guard low >= 0xDC00 && low < 0xE000 else { throw error("a low surrogate (DC00–DFFF)") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if code >= 0xDC00 && code < 0xE000 {
                    throw error("no unpaired low surrogate")
                }
                guard let scalar = Unicode.Scalar(code) else { throw error("a valid Unicode scalar") }
                scalars.append(scalar)
            default:
                position -= 1
                throw error("a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)")
            }
            runStart = position
        }
    }

    private mutating func hexQuad() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("a hex digit")
            }
            value = value * 16 + digit
            position += 1
        }
        return value
    }
}
