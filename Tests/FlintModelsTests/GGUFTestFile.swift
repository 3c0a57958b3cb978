import Foundation
import Flint
import FlintModels

/// Writes GGUF files byte by byte for the reader's tests: valid ones, and ones broken on purpose.
struct GGUFTestFile {
    var version: UInt32 = 3
    var metadata: [(String, GGUFMetadataValue)] = []
    /// name, dimensions (innermost first), type, data bytes; offsets are assigned aligned unless `offsets` says otherwise.
    var tensors: [(name: String, dimensions: [Int], type: GGMLType, data: [UInt8])] = []
    var alignment = 32
    /// Explicit offsets per tensor (nil: packed, each aligned).
    var offsets: [Int]? = nil

    /// The file's bytes, and where the tensor infos start.
    var bytes: [UInt8] {
        var out = [UInt8]()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); out += Array(s.utf8) }
        func array(_ a: GGUFArray) {
            u32(a.elementType.rawValue)
            u64(UInt64(a.count))
            switch a {
            case let .uint8(v): out += v
            case let .int8(v): v.forEach { out.append(UInt8(bitPattern: $0)) }
            case let .uint16(v): v.forEach { withUnsafeBytes(of: $0.littleEndian) { out += $0 } }
            case let .int16(v): v.forEach { withUnsafeBytes(of: $0.littleEndian) { out += $0 } }
            case let .uint32(v): v.forEach { u32($0) }
            case let .int32(v): v.forEach { u32(UInt32(bitPattern: $0)) }
            case let .uint64(v): v.forEach { u64($0) }
            case let .int64(v): v.forEach { u64(UInt64(bitPattern: $0)) }
            case let .float32(v): v.forEach { u32($0.bitPattern) }
            case let .float64(v): v.forEach { u64($0.bitPattern) }
            case let .bool(v): v.forEach { out.append($0 ? 1 : 0) }
            case let .string(v): v.forEach { string($0) }
            case let .array(v): v.forEach { array($0) }
            }
        }
        func value(_ v: GGUFMetadataValue) {
            switch v {
            case let .uint8(x): out.append(x)
            case let .int8(x): out.append(UInt8(bitPattern: x))
            case let .uint16(x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case let .int16(x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case let .uint32(x): u32(x)
            case let .int32(x): u32(UInt32(bitPattern: x))
            case let .uint64(x): u64(x)
            case let .int64(x): u64(UInt64(bitPattern: x))
            case let .float32(x): u32(x.bitPattern)
            case let .float64(x): u64(x.bitPattern)
            case let .bool(x): out.append(x ? 1 : 0)
            case let .string(x): string(x)
            case let .array(x): array(x)
            }
        }
        out += Array("GGUF".utf8)
        u32(version)
        u64(UInt64(tensors.count))
        u64(UInt64(metadata.count))
        for (key, v) in metadata {
            string(key)
            u32(v.type.rawValue)
            value(v)
        }
        var assigned = [Int]()
        var next = 0
        for tensor in tensors {
            assigned.append(next)
            next += (tensor.data.count + alignment - 1) / alignment * alignment
        }
        let chosen = offsets ?? assigned
        for (index, tensor) in tensors.enumerated() {
            string(tensor.name)
            u32(UInt32(tensor.dimensions.count))
            tensor.dimensions.forEach { u64(UInt64($0)) }
            u32(tensor.type.rawValue)
            u64(UInt64(chosen[index]))
        }
        while out.count % alignment != 0 { out.append(0) }
        let dataStart = out.count
        for (index, tensor) in tensors.enumerated() {
            let end = dataStart + chosen[index] + tensor.data.count
            if out.count < end { out += [UInt8](repeating: 0, count: end - out.count) }
            out.replaceSubrange((dataStart + chosen[index])..<end, with: tensor.data)
        }
        return out
    }

    /// Parses `bytes` as a file named `path`.
    static func parse(_ bytes: [UInt8], path: String = "test.gguf") throws -> GGUFHeader {
        try bytes.withUnsafeBytes { try GGUFHeader(parsing: $0, path: path) }
    }

    /// The error message parsing `bytes` throws, or nil when it parses.
    static func error(_ bytes: [UInt8]) -> String? {
        do { _ = try parse(bytes); return nil } catch { return "\(error)" }
    }

    /// Float32 values as little-endian bytes.
    static func floatBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }
}
