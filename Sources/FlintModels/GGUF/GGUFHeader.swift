import Flint
import Foundation

/// The parsed header of a GGUF file (versions 2 and 3): metadata and tensor descriptions, fully
/// validated, without the tensor data.
///
/// Layout (ggml `docs/gguf.md`): the magic `GGUF`; `u32` version; `u64` tensor count; `u64` metadata
/// count; the metadata key–value pairs (key string, `u32` value type, value); the tensor infos (name,
/// `u32` number of dimensions, `u64` sizes innermost first, `u32` ggml type, `u64` offset); padding to
/// `general.alignment` (default 32); the data section. Little-endian; strings are a `u64` length and
/// UTF-8 bytes.
///
/// Checked here, each failure an error naming the field and its byte offset: the magic and version
/// (big-endian files are recognised and refused), every count and length against the bytes left,
/// value and tensor types, duplicate keys and tensor names, `general.alignment` (a power of two),
/// dimensions (1–4, sizes ≥ 0, a row a whole number of blocks, no overflow), and every tensor's data
/// lying inside the data section, aligned, with no two tensors overlapping.
public struct GGUFHeader: Sendable {
    /// The default alignment of tensor data (`GGUF_DEFAULT_ALIGNMENT`).
    public static let defaultAlignment = 32
    /// The deepest nesting of arrays accepted (arrays of arrays of …).
    public static let maximumArrayDepth = 8
    /// The longest metadata key accepted, in bytes (the specification's limit).
    public static let maximumKeyLength = 65_535
    /// The longest tensor name accepted, in bytes (ggml's `GGML_MAX_NAME` minus its terminator).
    public static let maximumTensorNameLength = 63
    /// The most dimensions a tensor may have (`GGML_MAX_DIMS`).
    public static let maximumDimensions = 4

    /// The file's path (used in error messages).
    public let path: String
    /// The format version, 2 or 3.
    public let version: UInt32
    /// The metadata by key.
    public let metadata: [String: GGUFMetadataValue]
    /// The metadata keys in file order.
    public let metadataKeys: [String]
    /// The tensors in file order.
    public let tensors: [GGUFTensorInfo]
    /// The alignment of tensor data, in bytes.
    public let alignment: Int
    /// The offset of the data section in the file.
    public let dataOffset: Int
    /// The size of the file, in bytes.
    public let fileSize: Int

    private let tensorIndex: [String: Int]

    /// Parses and validates the header of the GGUF file whose bytes are `bytes`.
    ///
    /// - Throws: ``FlintError/invalidFile(path:field:expected:found:)`` naming `path`, the field and its
    ///   byte offset.
    public init(parsing bytes: UnsafeRawBufferPointer, path: String) throws {
        var reader = GGUFByteReader(bytes: bytes, path: path)
        self.path = path
        fileSize = bytes.count

        let magic = try reader.read(UInt32.self, "magic")
        guard magic == 0x4655_4747 else {
            let shown = (0..<min(4, bytes.count)).map { String(format: "%02x", bytes[$0]) }.joined(separator: " ")
            throw reader.error("magic", at: 0, expected: "the bytes 47 47 55 46 (\"GGUF\")", found: shown.isEmpty ? "an empty file" : shown)
        }
        let version = try reader.read(UInt32.self, "version")
        if version == 1 {
            throw reader.error("version", at: 4, expected: "2 or 3", found: "1 (GGUF v1, with 32-bit counts, is not supported: convert the file again)")
        }
        if version.byteSwapped == 2 || version.byteSwapped == 3 {
            throw reader.error("version", at: 4, expected: "2 or 3, little-endian", found: "\(version) (a big-endian GGUF file, which Flint does not read)")
        }
        guard version == 2 || version == 3 else {
            throw reader.error("version", at: 4, expected: "2 or 3", found: "\(version)")
        }
        self.version = version

        let tensorCountOffset = reader.offset
        let tensorCount = try reader.readCount("tensor_count")
        let metadataCountOffset = reader.offset
        let metadataCount = try reader.readCount("metadata_kv_count")
        // A key-value pair takes at least 8 + 4 + 1 bytes and a tensor info at least 8 + 4 + 4 + 8 bytes.
        if metadataCount > reader.remaining / 13 {
            throw reader.error("metadata_kv_count", at: metadataCountOffset, expected: "at most \(reader.remaining / 13) pairs in \(reader.remaining) bytes", found: "\(metadataCount)")
        }
        if tensorCount > reader.remaining / 24 {
            throw reader.error("tensor_count", at: tensorCountOffset, expected: "at most \(reader.remaining / 24) tensors in \(reader.remaining) bytes", found: "\(tensorCount)")
        }

        var metadata = [String: GGUFMetadataValue](minimumCapacity: metadataCount)
        var keys = [String]()
        keys.reserveCapacity(metadataCount)
        for index in 0..<metadataCount {
            let keyOffset = reader.offset
            let key = try reader.readString("metadata[\(index)] key", maximumLength: GGUFHeader.maximumKeyLength)
            if metadata[key] != nil {
                throw reader.error("metadata key \"\(key)\"", at: keyOffset, expected: "unique keys", found: "a second pair with this key")
            }
            let typeOffset = reader.offset
            let rawType = try reader.read(UInt32.self, "metadata \"\(key)\" value type")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw reader.error("metadata \"\(key)\" value type", at: typeOffset, expected: "a type code 0–12", found: "\(rawType)")
            }
            metadata[key] = try GGUFHeader.readValue(type, field: "metadata \"\(key)\"", depth: 0, &reader)
            keys.append(key)
        }

        var alignment = GGUFHeader.defaultAlignment
        if let value = metadata["general.alignment"] {
            guard case let .uint32(raw) = value, raw > 0, raw & (raw - 1) == 0 else {
                throw FlintError.invalidFile(path: path, field: "metadata \"general.alignment\"", expected: "a UINT32 power of two",
                                             found: GGUFHeader.describe(value))
            }
            alignment = Int(raw)
        }

        var tensors = [GGUFTensorInfo]()
        tensors.reserveCapacity(tensorCount)
        var tensorIndex = [String: Int](minimumCapacity: tensorCount)
        var tensorOffsets = [Int]()
        tensorOffsets.reserveCapacity(tensorCount)
        for index in 0..<tensorCount {
            let nameOffset = reader.offset
            let name = try reader.readString("tensor_infos[\(index)] name", maximumLength: GGUFHeader.maximumTensorNameLength)
            if tensorIndex[name] != nil {
                throw reader.error("tensor \"\(name)\" name", at: nameOffset, expected: "unique tensor names", found: "a second tensor with this name")
            }
            let field = "tensor \"\(name)\""
            let dimensionCountOffset = reader.offset
            let dimensionCount = try reader.read(UInt32.self, "\(field) n_dims")
            guard dimensionCount <= GGUFHeader.maximumDimensions else {
                throw reader.error("\(field) n_dims", at: dimensionCountOffset, expected: "0–\(GGUFHeader.maximumDimensions)", found: "\(dimensionCount)")
            }
            var dimensions = [Int]()
            var elementCount = 1
            for d in 0..<Int(dimensionCount) {
                let dimensionOffset = reader.offset
                let size = try reader.read(UInt64.self, "\(field) dims[\(d)]")
                guard let value = Int(exactly: size), value >= 0 else {
                    throw reader.error("\(field) dims[\(d)]", at: dimensionOffset, expected: "a size below 2^63", found: "\(size)")
                }
                let (product, overflow) = elementCount.multipliedReportingOverflow(by: value)
                if overflow {
                    throw reader.error("\(field) dims", at: dimensionOffset, expected: "an element count below 2^63", found: "an overflowing product")
                }
                elementCount = product
                dimensions.append(value)
            }
            if dimensions.isEmpty { dimensions = [1] }
            let typeOffset = reader.offset
            let rawType = try reader.read(UInt32.self, "\(field) type")
            guard let type = GGMLType(rawValue: rawType) else {
                throw reader.error("\(field) type", at: typeOffset, expected: "a ggml type id", found: "\(rawType)")
            }
            guard let rowBytes = type.rowByteCount(dimensions[0]) else {
                throw reader.error("\(field) dims[0]", at: dimensionCountOffset + 4, expected: "a multiple of \(type.name)'s block size \(type.blockSize)",
                                   found: "\(dimensions[0])")
            }
            let rows = dimensions[0] == 0 ? 0 : elementCount / dimensions[0]
            let (byteCount, overflow) = rowBytes.multipliedReportingOverflow(by: rows)
            if overflow {
                throw reader.error("\(field) dims", at: dimensionCountOffset, expected: "a byte size below 2^63", found: "an overflowing size")
            }
            let offsetPosition = reader.offset
            let offset = try reader.readCount("\(field) offset")
            if offset % alignment != 0 {
                throw reader.error("\(field) offset", at: offsetPosition, expected: "a multiple of the alignment \(alignment)", found: "\(offset)")
            }
            tensorIndex[name] = index
            tensorOffsets.append(offsetPosition)
            tensors.append(GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: offset,
                                          elementCount: elementCount, byteCount: byteCount))
        }

        // The data section starts at the next multiple of the alignment after the tensor infos.
        let headerEnd = reader.offset
        let padded = headerEnd.quotientAndRemainder(dividingBy: alignment)
        let dataOffset = padded.remainder == 0 ? headerEnd : (padded.quotient + 1) * alignment
        let dataSize = bytes.count - dataOffset
        if !tensors.isEmpty && dataSize < 0 {
            throw reader.error("data section", at: headerEnd, expected: "tensor data from byte \(dataOffset)", found: "a \(bytes.count)-byte file")
        }
        for (index, tensor) in tensors.enumerated() where tensor.byteCount > dataSize - tensor.offset || tensor.offset > dataSize {
            throw reader.error("tensor \"\(tensor.name)\" offset", at: tensorOffsets[index],
                               expected: "\(tensor.byteCount) bytes inside the \(max(dataSize, 0))-byte data section",
                               found: "offset \(tensor.offset) (the file is truncated or the offset is wrong)")
        }
        let byOffset = tensors.indices.sorted { tensors[$0].offset < tensors[$1].offset }
        for (previous, next) in zip(byOffset, byOffset.dropFirst()) {
            let a = tensors[previous], b = tensors[next]
            if a.byteCount > 0 && b.byteCount > 0 && a.offset + a.byteCount > b.offset {
                throw reader.error("tensor \"\(b.name)\" offset", at: tensorOffsets[next],
                                   expected: "data after tensor \"\(a.name)\" (which ends at \(a.offset + a.byteCount))",
                                   found: "offset \(b.offset): the two tensors overlap")
            }
        }

        self.metadata = metadata
        metadataKeys = keys
        self.tensors = tensors
        self.tensorIndex = tensorIndex
        self.alignment = alignment
        self.dataOffset = tensors.isEmpty ? min(dataOffset, bytes.count) : dataOffset
    }

    /// The tensor named `name`, or nil.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// Reads one value of `type`.
    private static func readValue(_ type: GGUFValueType, field: String, depth: Int, _ reader: inout GGUFByteReader) throws -> GGUFMetadataValue {
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, field))
        case .int8: return .int8(try reader.read(Int8.self, field))
        case .uint16: return .uint16(try reader.read(UInt16.self, field))
        case .int16: return .int16(try reader.read(Int16.self, field))
        case .uint32: return .uint32(try reader.read(UInt32.self, field))
        case .int32: return .int32(try reader.read(Int32.self, field))
        case .uint64: return .uint64(try reader.read(UInt64.self, field))
        case .int64: return .int64(try reader.read(Int64.self, field))
        case .float32: return .float32(try reader.readFloat(field))
        case .float64: return .float64(try reader.readDouble(field))
        case .bool: return .bool(try readBool(field, &reader))
        case .string: return .string(try reader.readString(field))
        case .array: return .array(try readArray(field: field, depth: depth + 1, &reader))
        }
    }

    private static func readBool(_ field: String, _ reader: inout GGUFByteReader) throws -> Bool {
        let position = reader.offset
        let byte = try reader.read(UInt8.self, field)
        guard byte <= 1 else { throw reader.error(field, at: position, expected: "a BOOL of 0 or 1", found: "\(byte)") }
        return byte == 1
    }

    /// Reads an array: `u32` element type, `u64` count, the elements.
    private static func readArray(field: String, depth: Int, _ reader: inout GGUFByteReader) throws -> GGUFArray {
        if depth > maximumArrayDepth {
            throw reader.error(field, expected: "arrays nested at most \(maximumArrayDepth) deep", found: "deeper nesting")
        }
        let typeOffset = reader.offset
        let rawType = try reader.read(UInt32.self, "\(field) element type")
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw reader.error("\(field) element type", at: typeOffset, expected: "a type code 0–12", found: "\(rawType)")
        }
        let countOffset = reader.offset
        let count = try reader.readCount("\(field) count")
        if count > reader.remaining / type.minimumSize {
            throw reader.error("\(field) count", at: countOffset,
                               expected: "at most \(reader.remaining / type.minimumSize) \(type) elements in the \(reader.remaining) bytes left",
                               found: "\(count)")
        }
        func fixed<T: FixedWidthInteger>(_: T.Type) throws -> [T] {
            let size = MemoryLayout<T>.size
            try reader.require(count * size, for: field)
            let start = reader.offset
            let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { buffer[i] = T(littleEndian: reader.bytes.loadUnaligned(fromByteOffset: start + i * size, as: T.self)) }
                initialized = count
            }
            try reader.skip(count * size, field)
            return values
        }
        switch type {
        case .uint8: return .uint8(try fixed(UInt8.self))
        case .int8: return .int8(try fixed(Int8.self))
        case .uint16: return .uint16(try fixed(UInt16.self))
        case .int16: return .int16(try fixed(Int16.self))
        case .uint32: return .uint32(try fixed(UInt32.self))
        case .int32: return .int32(try fixed(Int32.self))
        case .uint64: return .uint64(try fixed(UInt64.self))
        case .int64: return .int64(try fixed(Int64.self))
        case .float32: return .float32(try fixed(UInt32.self).map { Float(bitPattern: $0) })
        case .float64: return .float64(try fixed(UInt64.self).map { Double(bitPattern: $0) })
        case .bool:
            var values = [Bool]()
            values.reserveCapacity(count)
            for i in 0..<count { values.append(try readBool("\(field)[\(i)]", &reader)) }
            return .bool(values)
        case .string:
            var values = [String]()
            values.reserveCapacity(count)
            for i in 0..<count { values.append(try reader.readString("\(field)[\(i)]")) }
            return .string(values)
        case .array:
            var values = [GGUFArray]()
            values.reserveCapacity(count)
            for i in 0..<count { values.append(try readArray(field: "\(field)[\(i)]", depth: depth + 1, &reader)) }
            return .array(values)
        }
    }

    /// A short description of a value for error messages.
    static func describe(_ value: GGUFMetadataValue) -> String {
        switch value {
        case let .string(text): return "STRING \(GGUFArray.quote(String(text.prefix(80))))"
        case let .array(array): return "ARRAY [\(array.elementType) x \(array.count)]"
        default: return "\(value.type) \(value.floatValue.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : String($0) } ?? (value.boolValue.map { $0 ? "true" : "false" } ?? ""))"
        }
    }
}
