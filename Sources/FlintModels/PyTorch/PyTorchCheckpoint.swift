import Flint
import Foundation

// The checkpoint format of `torch.save` (PyTorch ≥ 1.6, "zipfile serialization"):
//
//   a ZIP archive (entries stored, data entries aligned to 64 bytes) under one top folder whose name
//   varies (usually the file's stem, "archive" in many published checkpoints):
//     <top>/data.pkl        the pickled object; each tensor is
//                           torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride,
//                                                           requires_grad, backward_hooks[, metadata])
//                           and each storage a persistent id
//                           ('storage', torch.<Type>Storage, key, location, numel)
//     <top>/data/<key>      the raw bytes of storage <key>, in the byte order of <top>/byteorder
//     <top>/byteorder       "little" or "big" (absent in old files: little)
//     <top>/version, .format_version, .storage_alignment, .data/serialization_id
//
// Files written with `_use_new_zipfile_serialization=False` (and by PyTorch before 1.6) are a
// concatenation of pickles followed by raw storages; they start with the pickle PROTO opcode 0x80
// and are read by PyTorchLegacyFormat.swift.

/// A PyTorch checkpoint (`pytorch_model.bin`, a `torch.save`d state dict) read without running any
/// of its code: only tensor storages, dtypes, shapes, strides and offsets are taken from it.
///
/// Tensors view the memory-mapped file where they can (a stored ZIP entry, aligned, contiguous
/// layout): loading is zero-copy, and tensors that share a storage in PyTorch share it here.
/// A non-contiguous tensor (a transposed weight, say) is copied into a contiguous one. Storages of
/// dtypes Flint does not hold natively are converted as ``SafeTensorsFile`` does: float64 to
/// float32, int8 and int16 to int32. Other dtypes (complex, quantized) throw an error naming them.
///
/// Both formats of `torch.save` are read: the ZIP archive of PyTorch 1.6 and later (stored, deflated
/// or ZIP64), and the legacy stream of pickles and raw storages (`_use_new_zipfile_serialization=False`,
/// PyTorch 0.4–1.5), whose storages are copied when misaligned. The tar format of PyTorch before 0.4
/// throws an error that says to re-save the file.
///
/// A state dict nested one level in a training checkpoint — `{"state_dict": {...}}`,
/// `{"model": {...}}`, `{"module": {...}}` or `{"model_state_dict": {...}}` — is found too.
public struct PyTorchCheckpoint: Sendable {
    /// The globals a state-dict pickle may name; anything else is refused.
    public static let allowedGlobals: Set<String> = Set([
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
    ]).union(StorageType.allCases.map { "torch.\($0.rawValue)" })

    /// Keys under which a training checkpoint may nest its state dict.
    public static let nestedStateDictionaryKeys = ["state_dict", "model_state_dict", "model", "module"]

    /// The path of the file.
    public let path: String
    /// The mapped file the tensors borrow their memory from (where they are not copies).
    public let file: MappedFile
    /// The tensors, by name.
    public let tensors: [String: Tensor]
    /// The key the state dict was nested under (nil when the file is the state dict itself).
    public let nestedKey: String?

    /// The legacy storage classes `torch.save` names, with the Flint dtype each becomes.
    enum StorageType: String, CaseIterable {
        case float = "FloatStorage", half = "HalfStorage", bfloat16 = "BFloat16Storage"
        case long = "LongStorage", int = "IntStorage", short = "ShortStorage", char = "CharStorage"
        case byte = "ByteStorage", bool = "BoolStorage", double = "DoubleStorage"

        /// Bytes per element in the file.
        var storedSize: Int {
            switch self {
            case .byte, .bool, .char: return 1
            case .half, .bfloat16, .short: return 2
            case .float, .int: return 4
            case .long, .double: return 8
            }
        }

        /// The dtype of the tensors made from this storage.
        var dtype: DType {
            switch self {
            case .float, .double: return .float32
            case .half: return .float16
            case .bfloat16: return .bfloat16
            case .long: return .int64
            case .int, .short, .char: return .int32
            case .byte: return .uint8
            case .bool: return .bool
            }
        }

        /// The PyTorch name of the stored dtype.
        var torchName: String {
            switch self {
            case .float: return "float32"
            case .half: return "float16"
            case .bfloat16: return "bfloat16"
            case .long: return "int64"
            case .int: return "int32"
            case .short: return "int16"
            case .char: return "int8"
            case .byte: return "uint8"
            case .bool: return "bool"
            case .double: return "float64"
            }
        }
    }

    /// A storage a persistent id names: `('storage', type, key, location, numel[, view_metadata])`.
    final class StorageReference {
        let type: StorageType
        let key: String
        let count: Int

        init(type: StorageType, key: String, count: Int) {
            self.type = type
            self.key = key
            self.count = count
        }
    }

    /// A storage's bytes (already converted to `type.dtype`) and its element count.
    final class LoadedStorage {
        let storage: TensorStorage
        let type: StorageType
        let count: Int
        let key: String

        init(storage: TensorStorage, type: StorageType, count: Int, key: String) {
            self.storage = storage
            self.type = type
            self.count = count
            self.key = key
        }
    }

    /// A `_rebuild_tensor_v2` call, carried through the pickle as an opaque value and turned into a
    /// tensor once the storages are resolved.
    final class PendingTensor {
        let storage: StorageReference
        let offset: Int
        let shape: [Int]
        let strides: [Int]

        init(storage: StorageReference, offset: Int, shape: [Int], strides: [Int]) {
            self.storage = storage
            self.offset = offset
            self.shape = shape
            self.strides = strides
        }
    }

    /// Reads the checkpoint at `url`.
    ///
    /// - Throws: ``FlintError/invalidFile(path:field:expected:found:)`` naming the file and the part
    ///   at fault: not a PyTorch checkpoint, a global outside ``allowedGlobals``, an unsupported
    ///   dtype, a tensor whose shape, strides and offset reach outside its storage, a missing
    ///   storage, or a value that is not a tensor.
    public init(contentsOf url: URL) throws {
        let file = try MappedFile(path: url.path)
        try self.init(file: file)
    }

    /// Reads a checkpoint from an already mapped file.
    public init(file: MappedFile) throws {
        path = file.path
        self.file = file
        let bytes = file.bytes
        if bytes.count >= 2 && bytes[0] == 0x80 && bytes[1] <= 5 {
            (tensors, nestedKey) = try PyTorchCheckpoint.readLegacy(file)
            return
        }
        if bytes.count >= 262 && Array(bytes[257..<262]) == Array("ustar".utf8) {
            throw FlintError.invalidFile(
                path: path, field: "format",
                expected: "a ZIP checkpoint written by torch.save (PyTorch 1.6 or later)",
                found: "a tar archive; the tar-based legacy PyTorch format (before PyTorch 0.4) is not supported: re-save it with torch.save(state_dict, path) from a current PyTorch")
        }
        let archive = try ZipArchive(file: file)
        // The pickle is <top>/data.pkl, the shallowest such entry.
        let pickles = archive.entries.filter { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }
        guard let pickleEntry = pickles.min(by: { $0.name.count < $1.name.count }) else {
            throw FlintError.invalidFile(path: path, field: "archive entries", expected: "a <folder>/data.pkl entry (a torch.save checkpoint)",
                                         found: "\(archive.entries.count) entries: \(archive.entries.prefix(6).map(\.name).joined(separator: ", "))")
        }
        let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        if let byteOrderEntry = archive.entry(named: prefix + "byteorder") {
            let order = String(decoding: try archive.contents(of: byteOrderEntry), as: UTF8.self)
            guard order == "little" else {
                throw FlintError.invalidFile(path: path, field: "\(prefix)byteorder", expected: "\"little\"", found: "\"\(order)\"")
            }
        }
        let pickleBytes = try archive.contents(of: pickleEntry)
        let path = self.path
        let (root, references) = try pickleBytes.withUnsafeBytes { raw in
            var reader = PickleReader(bytes: raw, path: path, field: pickleEntry.name, allowedGlobals: PyTorchCheckpoint.allowedGlobals)
            return try PyTorchCheckpoint.unpickle(&reader, persistentIdLengths: [5])
        }
        var storages: [String: LoadedStorage] = [:]
        for (key, reference) in references {
            let name = "\(prefix)data/\(key)"
            guard let entry = archive.entry(named: name) else {
                throw FlintError.invalidFile(path: path, field: "storage \(key)", expected: "an archive entry \(name)", found: "no such entry")
            }
            storages[key] = try PyTorchCheckpoint.loadStorage(try archive.storage(of: entry), reference: reference, path: path, field: name)
        }
        (tensors, nestedKey) = try PyTorchCheckpoint.stateDictionary(from: root, storages: storages, path: path, field: pickleEntry.name)
    }

    /// Runs a checkpoint pickle: storages become ``StorageReference``s (one per key), tensors
    /// ``PendingTensor``s. Returns the root value and the storages by key.
    static func unpickle(_ reader: inout PickleReader, persistentIdLengths: Set<Int>) throws -> (PickleValue, [String: StorageReference]) {
        let path = reader.path, field = reader.field
        var references: [String: StorageReference] = [:]

        func persistentLoad(_ identifier: PickleValue) throws -> PickleValue {
            let what = "\(field) persistent id"
            guard case .tuple(let items) = identifier, persistentIdLengths.contains(items.count), items[0].stringValue == "storage" else {
                throw FlintError.invalidFile(path: path, field: what, expected: "('storage', storage type, key, location, numel)", found: identifier.kind)
            }
            let type = try storageType(items[1], path: path, field: what)
            guard let key = items[2].stringValue ?? items[2].integerValue.map(String.init) else {
                throw FlintError.invalidFile(path: path, field: what, expected: "a storage key (str)", found: items[2].kind)
            }
            guard let count = items[4].integerValue, count >= 0 else {
                throw FlintError.invalidFile(path: path, field: "\(what) of storage \(key)", expected: "an element count ≥ 0", found: items[4].kind)
            }
            if items.count == 6, case .none = items[5] {} else if items.count == 6 {
                throw FlintError.invalidFile(path: path, field: "\(what) of storage \(key)", expected: "no view metadata (None)", found: items[5].kind)
            }
            if let existing = references[key] {
                guard existing.type == type, existing.count == count else {
                    throw FlintError.invalidFile(path: path, field: "\(what) of storage \(key)",
                                                 expected: "the type and size it had before (\(existing.type.rawValue), \(existing.count))",
                                                 found: "\(type.rawValue), \(count)")
                }
                return .opaque(existing)
            }
            let reference = StorageReference(type: type, key: key, count: count)
            references[key] = reference
            return .opaque(reference)
        }

        func reduce(_ module: String, _ name: String, _ arguments: [PickleValue]) throws -> PickleValue {
            switch (module, name) {
            case ("torch._utils", "_rebuild_tensor_v2"):
                return .opaque(try pendingTensor(arguments, path: path, field: field))
            case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
                guard let first = arguments.first, case .opaque(let object) = first, object is PendingTensor else {
                    throw FlintError.invalidFile(path: path, field: "\(field) \(module).\(name)",
                                                 expected: "a tensor as the first argument", found: arguments.first?.kind ?? "no arguments")
                }
                return first
            default:
                throw FlintError.invalidFile(path: path, field: "\(field) call of \(module).\(name)",
                                             expected: "a call that builds a tensor or a dict", found: "\(arguments.count) arguments")
            }
        }

        let root = try reader.load(reduce: reduce, persistentLoad: persistentLoad)
        return (root, references)
    }

    /// The storage type a persistent id names.
    static func storageType(_ value: PickleValue, path: String, field: String) throws -> StorageType {
        guard case .global(let module, let name) = value else {
            throw FlintError.invalidFile(path: path, field: field, expected: "a storage type such as torch.FloatStorage", found: value.kind)
        }
        guard module == "torch", let type = StorageType(rawValue: name) else {
            throw FlintError.invalidFile(path: path, field: field,
                                         expected: "a storage of a dtype Flint reads (\(StorageType.allCases.map(\.torchName).joined(separator: ", ")))",
                                         found: "\(module).\(name)")
        }
        return type
    }

    /// The storage `reference` names over the raw bytes `raw`, converted to the storage type's
    /// Flint dtype when they differ, copied when misaligned. `field` names the bytes for errors.
    static func loadStorage(_ raw: TensorStorage, reference: StorageReference, path: String, field: String) throws -> LoadedStorage {
        let type = reference.type, count = reference.count, key = reference.key
        let (needed, overflow) = count.multipliedReportingOverflow(by: type.storedSize)
        guard !overflow, raw.byteCount >= needed else {
            throw FlintError.invalidFile(path: path, field: "storage \(key) (\(field))",
                                         expected: "\(overflow ? "a size that fits in 64 bits for" : "\(needed) bytes for") \(count) \(type.torchName) elements",
                                         found: "\(raw.byteCount) bytes")
        }
        let dtype = type.dtype
        if dtype.byteSize == type.storedSize {
            if Int(bitPattern: raw.data) % dtype.byteSize == 0 {
                if type == .bool {
                    // Bools must be 0 or 1 for Flint's kernels; copy and normalise otherwise.
                    let bytes = raw.data.assumingMemoryBound(to: UInt8.self)
                    var clean = true
                    for i in 0..<count where bytes[i] > 1 { clean = false; break }
                    if !clean {
                        let copy = TensorStorage(byteCount: count)
                        let target = copy.data.assumingMemoryBound(to: UInt8.self)
                        for i in 0..<count { target[i] = bytes[i] != 0 ? 1 : 0 }
                        return LoadedStorage(storage: copy, type: type, count: count, key: key)
                    }
                }
                return LoadedStorage(storage: raw, type: type, count: count, key: key)
            }
            let copy = TensorStorage(byteCount: needed)
            copy.data.copyMemory(from: raw.data, byteCount: needed)
            return LoadedStorage(storage: copy, type: type, count: count, key: key)
        }
        let converted = TensorStorage(byteCount: count * dtype.byteSize)
        let source = UnsafeRawPointer(raw.data)
        switch type {
        case .double:
            let target = converted.data.assumingMemoryBound(to: Float.self)
            for i in 0..<count {
                target[i] = Float(Double(bitPattern: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))))
            }
        case .short:
            let target = converted.data.assumingMemoryBound(to: Int32.self)
            for i in 0..<count { target[i] = Int32(Int16(littleEndian: source.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))) }
        case .char:
            let target = converted.data.assumingMemoryBound(to: Int32.self)
            for i in 0..<count { target[i] = Int32(source.load(fromByteOffset: i, as: Int8.self)) }
        default:
            // Every other type is stored natively (same element size); handled above.
            throw FlintError.invalidFile(path: path, field: "storage \(key)", expected: "a convertible dtype", found: type.torchName)
        }
        return LoadedStorage(storage: converted, type: type, count: count, key: key)
    }

    /// Checks the arguments of `_rebuild_tensor_v2(storage, storage_offset, size, stride,
    /// requires_grad, backward_hooks[, metadata])`.
    static func pendingTensor(_ arguments: [PickleValue], path: String, field: String) throws -> PendingTensor {
        let call = "\(field) torch._utils._rebuild_tensor_v2"
        func invalid(_ what: String, _ expected: String, _ found: String) -> FlintError {
            .invalidFile(path: path, field: "\(call) \(what)", expected: expected, found: found)
        }
        guard arguments.count >= 4 && arguments.count <= 7 else {
            throw invalid("arguments", "(storage, storage_offset, size, stride, …)", "\(arguments.count) arguments")
        }
        guard case .opaque(let object) = arguments[0], let storage = object as? StorageReference else {
            throw invalid("storage", "a storage (a persistent id)", arguments[0].kind)
        }
        guard let offset = arguments[1].integerValue, offset >= 0 else {
            throw invalid("storage_offset", "an int ≥ 0", arguments[1].kind)
        }
        func integers(_ value: PickleValue, _ what: String) throws -> [Int] {
            guard let items = value.sequenceItems else { throw invalid(what, "a tuple of ints ≥ 0", value.kind) }
            return try items.map { item in
                guard let number = item.integerValue, number >= 0 else { throw invalid(what, "a tuple of ints ≥ 0", "an item that is \(item.kind)") }
                return number
            }
        }
        let shape = try integers(arguments[2], "size")
        let strides = try integers(arguments[3], "stride")
        guard strides.count == shape.count else {
            throw invalid("stride", "\(shape.count) strides for size \(shape)", "\(strides.count) strides \(strides)")
        }
        // The elements the view touches must lie inside the storage: offset + Σ (size − 1)·stride < numel.
        var count = 1
        var last = offset
        var overflow = false
        for (size, stride) in zip(shape, strides) {
            let (product, o1) = count.multipliedReportingOverflow(by: size)
            count = product
            overflow = overflow || o1
            if size > 0 {
                let (reach, o2) = (size - 1).multipliedReportingOverflow(by: stride)
                let (sum, o3) = last.addingReportingOverflow(reach)
                last = sum
                overflow = overflow || o2 || o3
            }
        }
        guard !overflow else {
            throw invalid("size and stride", "a tensor that fits in 64-bit indices", "size \(shape), stride \(strides)")
        }
        if count > 0 && last >= storage.count {
            throw invalid("size, stride and storage_offset",
                          "elements inside storage \(storage.key) (\(storage.count) elements)",
                          "size \(shape), stride \(strides), offset \(offset) reaching element \(last)")
        }
        return PendingTensor(storage: storage, offset: count > 0 ? offset : 0, shape: shape, strides: strides)
    }

    /// The tensor: a view of its storage when the layout is contiguous, else a contiguous copy.
    static func tensor(_ pending: PendingTensor, storage: LoadedStorage) -> Tensor {
        let view = Tensor(storage: storage.storage, dtype: storage.type.dtype, shape: pending.shape,
                          strides: pending.strides, offset: pending.offset)
        return view.isContiguous ? view : withNoGrad { view.contiguous() }
    }

    /// The `[String: Tensor]` the unpickled root holds: the root dict, or a dict nested one level
    /// under one of ``nestedStateDictionaryKeys``.
    static func stateDictionary(from root: PickleValue, storages: [String: LoadedStorage], path: String, field: String) throws -> ([String: Tensor], String?) {
        guard case .dictionary(let dictionary) = root else {
            throw FlintError.invalidFile(path: path, field: "\(field) root", expected: "a state dict (a dict of name → tensor)", found: root.kind)
        }
        var source = dictionary
        var nestedKey: String? = nil
        for key in nestedStateDictionaryKeys {
            if case .dictionary(let nested)? = dictionary[key] {
                source = nested
                nestedKey = key
                break
            }
        }
        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(source.count)
        for (key, value) in source.entries {
            guard let name = key.stringValue else {
                throw FlintError.invalidFile(path: path, field: "\(field) state dict key", expected: "a str", found: key.kind)
            }
            guard case .opaque(let object) = value, let pending = object as? PendingTensor else {
                throw FlintError.invalidFile(path: path, field: "\(field) state dict entry \"\(name)\"\(nestedKey.map { " (under \"\($0)\")" } ?? "")",
                                             expected: "a tensor", found: value.kind)
            }
            guard let storage = storages[pending.storage.key] else {
                throw FlintError.invalidFile(path: path, field: "\(field) state dict entry \"\(name)\"",
                                             expected: "storage \(pending.storage.key)", found: "no such storage")
            }
            tensors[name] = tensor(pending, storage: storage)
        }
        return (tensors, nestedKey)
    }
}
