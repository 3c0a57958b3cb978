import Flint
import Foundation

/// A GGUF model file (llama.cpp's format) opened for reading: the file is memory-mapped and its header
/// parsed and validated (``GGUFHeader``); tensor data is read in place from the mapping, so opening a
/// file costs the header parse, not a read of the weights.
///
/// ```swift
/// let file = try GGUFFile(path: "SmolLM2-135M-Instruct.Q4_1.gguf")
/// file.header.metadata["general.architecture"]?.stringValue   // "llama"
/// let embedding = file.header.tensor(named: "token_embd.weight")!  // Q8_0, [576, 49152]
/// let bytes = file.data(for: embedding)                             // 30,081,024 bytes, no copy
/// ```
public final class GGUFFile: Sendable {
    /// The parsed header.
    public let header: GGUFHeader
    /// The mapping of the whole file; tensors' bytes point into it.
    public let mapping: MappedFile

    /// The file's path.
    public var path: String { mapping.path }

    /// Maps the file at `path` and parses its header.
    ///
    /// - Throws: ``FlintError/io(path:message:)`` when the file cannot be opened or mapped;
    ///   ``FlintError/invalidFile(path:field:expected:found:)`` naming the field and byte offset when
    ///   the header is corrupt or truncated.
    public init(path: String) throws {
        mapping = try MappedFile(path: path)
        header = try GGUFHeader(parsing: mapping.bytes, path: path)
    }

    /// The bytes of `tensor`'s data, inside the mapping (valid while this file is alive).
    public func data(for tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mapping.data + header.dataOffset + tensor.offset, count: tensor.byteCount)
    }

    /// The bytes of the tensor named `name`.
    ///
    /// - Throws: ``FlintError/missingEntry(path:name:)`` when the file has no such tensor.
    public func data(named name: String) throws -> (info: GGUFTensorInfo, bytes: UnsafeRawBufferPointer) {
        guard let info = header.tensor(named: name) else { throw FlintError.missingEntry(path: path, name: name) }
        return (info, data(for: info))
    }

    /// The tensor named `name` dequantized to a float32 Flint tensor of PyTorch shape (``GGUFTensorInfo/shape``).
    ///
    /// - Throws: when the tensor is missing or its type is one Flint does not compute with.
    public func floatTensor(named name: String) throws -> Tensor {
        let (info, bytes) = try data(named: name)
        guard info.type.isSupported else {
            throw FlintError.invalidFile(path: path, field: "tensor \"\(name)\" type", expected: "a supported type (F32, F16, BF16, Q4_0 … Q6_K)", found: info.type.name)
        }
        let values = info.type.dequantize(bytes.baseAddress ?? UnsafeRawPointer(mapping.data), count: info.elementCount)
        return Tensor(values, shape: info.shape)
    }
}

extension GGUFHeader {
    /// The value of `key` converted by `convert`, or an error naming the key and saying what was `expected`.
    private func typed<Value>(_ key: String, expected: String, _ convert: (GGUFMetadataValue) -> Value?) throws -> Value {
        let found = try value(key)
        guard let converted = convert(found) else {
            throw FlintError.invalidFile(path: path, field: "metadata \"\(key)\"", expected: expected, found: GGUFHeader.describe(found))
        }
        return converted
    }

    /// The value of `key`, or an error naming the key.
    public func value(_ key: String) throws -> GGUFMetadataValue {
        guard let value = metadata[key] else { throw FlintError.missingEntry(path: path, name: "metadata \"\(key)\"") }
        return value
    }

    /// The integer value of `key` (any integer type), or an error naming the key.
    public func integer(_ key: String) throws -> Int {
        try typed(key, expected: "an integer", \.integerValue)
    }

    /// The integer value of `key`, nil when absent, an error when present with another type.
    public func optionalInteger(_ key: String) throws -> Int? {
        metadata[key] == nil ? nil : try integer(key)
    }

    /// The float value of `key` (FLOAT32, FLOAT64 or an integer), or an error naming the key.
    public func float(_ key: String) throws -> Double {
        try typed(key, expected: "a number", \.floatValue)
    }

    /// The float value of `key`, nil when absent.
    public func optionalFloat(_ key: String) throws -> Double? {
        metadata[key] == nil ? nil : try float(key)
    }

    /// The string value of `key`, or an error naming the key.
    public func string(_ key: String) throws -> String {
        try typed(key, expected: "a STRING", \.stringValue)
    }

    /// The string value of `key`, nil when absent.
    public func optionalString(_ key: String) throws -> String? {
        metadata[key] == nil ? nil : try string(key)
    }

    /// The boolean value of `key`, nil when absent.
    public func optionalBool(_ key: String) throws -> Bool? {
        metadata[key] == nil ? nil : try typed(key, expected: "a BOOL", \.boolValue)
    }

    /// The array value of `key`, nil when absent.
    public func optionalArray(_ key: String) throws -> GGUFArray? {
        metadata[key] == nil ? nil : try typed(key, expected: "an ARRAY", \.arrayValue)
    }

    /// `general.architecture` (`llama`, `qwen2`, …).
    public var architecture: String? { metadata["general.architecture"]?.stringValue }
}
