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
//                           ('storage', torch.<Type>Storage, key, location, numel);
//                           dtypes without a storage class (uint16, uint32, uint64, float8, …) use
//                           _rebuild_tensor_v3(storage, offset, size, stride, requires_grad, hooks,
//                           torch.<dtype>[, metadata]) with ('storage', torch.storage.UntypedStorage,
//                           key, location, byte count)
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
/// float32; int8, int16 and uint16 to int32; uint32 and uint64 to int64. Other dtypes (complex,
/// float8, quantized) throw an error naming them.
///
/// Both formats of `torch.save` are read: the ZIP archive of PyTorch 1.6 and later (stored, deflated
/// or ZIP64), and the legacy stream of pickles and raw storages (`_use_new_zipfile_serialization=False`,
/// PyTorch 0.4–1.5), whose storages are copied when misaligned. The tar format of PyTorch before 0.4
/// throws an error that says to re-save the file.
///
/// A state dict nested one level in a training checkpoint — `{"state_dict": {...}}`,
/// `{"model": {...}}`, `{"module": {...}}` or `{"model_state_dict": {...}}` — is found too.
public struct PyTorchCheckpoint: Sendable {
    /// The globals a state-dict pickle may name; anything else is refused. Storage classes and
    /// dtypes are markers only: the reader accepts or refuses each dtype by name.
    public static let allowedGlobals: Set<String> = Set([
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
    ]).union(PyTorchElementType.globals)

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

    /// A storage a persistent id names: `('storage', type, key, location, numel[, view_metadata])`.
    /// A typed storage counts elements of `elementType`; an untyped one (nil type) counts bytes.
    final class StorageReference {
        let elementType: PyTorchElementType?
        let key: String
        let count: Int

        init(elementType: PyTorchElementType?, key: String, count: Int) {
            self.elementType = elementType
            self.key = key
            self.count = count
        }

        /// The size of the storage in bytes (nil when it overflows).
        var byteCount: Int? {
            guard let elementType else { return count }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: elementType.storedSize)
            return overflow ? nil : bytes
        }
    }

    /// A storage's elements of one type, converted to that type's Flint dtype.
    final class LoadedStorage {
        let storage: TensorStorage
        let count: Int

        init(storage: TensorStorage, count: Int) {
            self.storage = storage
            self.count = count
        }
    }

    /// A `_rebuild_tensor_v2` or `_v3` call, carried through the pickle as an opaque value and
    /// turned into a tensor once the storages are read.
    final class PendingTensor {
        let storage: StorageReference
        let elementType: PyTorchElementType
        let offset: Int
        let shape: [Int]
        let strides: [Int]

        init(storage: StorageReference, elementType: PyTorchElementType, offset: Int, shape: [Int], strides: [Int]) {
            self.storage = storage
            self.elementType = elementType
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
        let (root, references, containers) = try pickleBytes.withUnsafeBytes { raw in
            var reader = PickleReader(bytes: raw, path: path, field: pickleEntry.name, allowedGlobals: PyTorchCheckpoint.allowedGlobals)
            let (root, references) = try PyTorchCheckpoint.unpickle(&reader, persistentIdLengths: [5])
            return (root, references, reader.containers)
        }
        defer { withExtendedLifetime(containers) {} }
        var raw: [String: (TensorStorage, String)] = [:]
        for (key, reference) in references {
            let name = "\(prefix)data/\(key)"
            guard let entry = archive.entry(named: name) else {
                throw FlintError.invalidFile(path: path, field: "storage \(key)", expected: "an archive entry \(name)", found: "no such entry")
            }
            let bytes = try archive.storage(of: entry)
            guard let needed = reference.byteCount, bytes.byteCount >= needed else {
                throw FlintError.invalidFile(path: path, field: "storage \(key) (\(name))",
                                             expected: "\(reference.byteCount.map { "\($0) bytes" } ?? "a size that fits in 64 bits") for \(reference.count) "
                                                 + (reference.elementType.map { "\($0.rawValue) elements" } ?? "bytes"),
                                             found: "\(bytes.byteCount) bytes")
            }
            raw[key] = (bytes, name)
        }
        (tensors, nestedKey) = try PyTorchCheckpoint.stateDictionary(from: root, rawStorages: raw, path: path, field: pickleEntry.name)
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
            let elementType = try storageElementType(items[1], path: path, field: what)
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
                guard existing.elementType == elementType, existing.count == count else {
                    throw FlintError.invalidFile(path: path, field: "\(what) of storage \(key)",
                                                 expected: "the type and size it had before (\(existing.elementType?.rawValue ?? "untyped"), \(existing.count))",
                                                 found: "\(elementType?.rawValue ?? "untyped"), \(count)")
                }
                return .opaque(existing)
            }
            let reference = StorageReference(elementType: elementType, key: key, count: count)
            references[key] = reference
            return .opaque(reference)
        }

        func reduce(_ module: String, _ name: String, _ arguments: [PickleValue]) throws -> PickleValue {
            switch (module, name) {
            case ("torch._utils", "_rebuild_tensor_v2"):
                return .opaque(try pendingTensor(arguments, version: 2, path: path, field: field))
            case ("torch._utils", "_rebuild_tensor_v3"):
                return .opaque(try pendingTensor(arguments, version: 3, path: path, field: field))
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

    /// The element type a persistent id's storage class names (nil for `torch.storage.UntypedStorage`).
    static func storageElementType(_ value: PickleValue, path: String, field: String) throws -> PyTorchElementType? {
        guard case .global(let module, let name) = value else {
            throw FlintError.invalidFile(path: path, field: field, expected: "a storage type such as torch.FloatStorage", found: value.kind)
        }
        if module == "torch.storage" && name == "UntypedStorage" { return nil }
        if module == "torch", let type = PyTorchElementType.storageClasses[name] { return type }
        let dtype = module == "torch" ? PyTorchElementType.unsupportedStorageClasses[name].map { " (dtype \($0))" } ?? "" : ""
        throw FlintError.invalidFile(path: path, field: field,
                                     expected: "a storage of a dtype Flint reads (\(PyTorchElementType.supportedList))",
                                     found: "\(module).\(name)\(dtype)")
    }

    /// The element type a `_rebuild_tensor_v3` dtype argument (`torch.<dtype>`) names.
    static func dtypeElementType(_ value: PickleValue, path: String, field: String) throws -> PyTorchElementType {
        guard case .global("torch", let name) = value else {
            throw FlintError.invalidFile(path: path, field: field, expected: "a dtype such as torch.float32", found: value.kind)
        }
        guard let type = PyTorchElementType.dtypeNames[name] else {
            throw FlintError.invalidFile(path: path, field: field,
                                         expected: "a dtype Flint reads (\(PyTorchElementType.supportedList))", found: "torch.\(name)")
        }
        return type
    }

    /// The elements of a storage's bytes `raw` as `type`, converted to its Flint dtype when they
    /// differ, copied when misaligned. `field` names the bytes for errors.
    static func loadStorage(_ raw: TensorStorage, as type: PyTorchElementType, path: String, field: String) throws -> LoadedStorage {
        let count = raw.byteCount / type.storedSize
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
                        return LoadedStorage(storage: copy, count: count)
                    }
                }
                return LoadedStorage(storage: raw, count: count)
            }
            let copy = TensorStorage(byteCount: count * type.storedSize)
            copy.data.copyMemory(from: raw.data, byteCount: count * type.storedSize)
            return LoadedStorage(storage: copy, count: count)
        }
        let converted = TensorStorage(byteCount: count * dtype.byteSize)
        let source = UnsafeRawPointer(raw.data)
        func convert<Stored, Value>(_ stored: Stored.Type, to value: Value.Type, _ body: (Stored) throws -> Value) rethrows {
            let target = converted.data.assumingMemoryBound(to: Value.self)
            for i in 0..<count { target[i] = try body(source.loadUnaligned(fromByteOffset: i * MemoryLayout<Stored>.size, as: Stored.self)) }
        }
        switch type {
        case .float64: convert(UInt64.self, to: Float.self) { Float(Double(bitPattern: UInt64(littleEndian: $0))) }
        case .int16: convert(Int16.self, to: Int32.self) { Int32(Int16(littleEndian: $0)) }
        case .int8: convert(Int8.self, to: Int32.self) { Int32($0) }
        case .uint16: convert(UInt16.self, to: Int32.self) { Int32(UInt16(littleEndian: $0)) }
        case .uint32: convert(UInt32.self, to: Int64.self) { Int64(UInt32(littleEndian: $0)) }
        case .uint64:
            try convert(UInt64.self, to: Int64.self) { stored in
                let value = UInt64(littleEndian: stored)
                guard value <= UInt64(Int64.max) else {
                    throw FlintError.invalidFile(path: path, field: "\(field) data", expected: "uint64 values up to \(Int64.max) (Flint reads uint64 as int64)",
                                                 found: "\(value)")
                }
                return Int64(value)
            }
        case .float32, .float16, .bfloat16, .int64, .int32, .uint8, .bool:
            break  // Stored natively: handled above.
        }
        return LoadedStorage(storage: converted, count: count)
    }

    /// Checks the arguments of `_rebuild_tensor_v2(storage, storage_offset, size, stride,
    /// requires_grad, backward_hooks[, metadata])` or `_rebuild_tensor_v3(…, backward_hooks, dtype[, metadata])`.
    static func pendingTensor(_ arguments: [PickleValue], version: Int, path: String, field: String) throws -> PendingTensor {
        let call = "\(field) torch._utils._rebuild_tensor_v\(version)"
        func invalid(_ what: String, _ expected: String, _ found: String) -> FlintError {
            .invalidFile(path: path, field: "\(call) \(what)", expected: expected, found: found)
        }
        guard version == 2 ? (4...7).contains(arguments.count) : (7...8).contains(arguments.count) else {
            throw invalid("arguments", version == 2 ? "(storage, storage_offset, size, stride, …)" : "(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, …)",
                          "\(arguments.count) arguments")
        }
        guard case .opaque(let object) = arguments[0], let storage = object as? StorageReference else {
            throw invalid("storage", "a storage (a persistent id)", arguments[0].kind)
        }
        let elementType: PyTorchElementType
        if version == 3 {
            elementType = try dtypeElementType(arguments[6], path: path, field: "\(call) dtype")
            if let stored = storage.elementType, stored != elementType {
                throw invalid("dtype", "\(stored.rawValue) (the storage's type)", elementType.rawValue)
            }
        } else if let stored = storage.elementType {
            elementType = stored
        } else {
            throw invalid("storage", "a typed storage (torch.FloatStorage, …)", "an untyped storage")
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
        let available = storage.elementType == nil ? storage.count / elementType.storedSize : storage.count
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
        if count > 0 && last >= available {
            throw invalid("size, stride and storage_offset",
                          "elements inside storage \(storage.key) (\(available) \(elementType.rawValue) elements)",
                          "size \(shape), stride \(strides), offset \(offset) reaching element \(last)")
        }
        return PendingTensor(storage: storage, elementType: elementType, offset: count > 0 ? offset : 0, shape: shape, strides: strides)
    }

    /// The tensor: a view of its storage when the layout is contiguous, else a contiguous copy.
    static func tensor(_ pending: PendingTensor, storage: LoadedStorage) -> Tensor {
        let view = Tensor(storage: storage.storage, dtype: pending.elementType.dtype, shape: pending.shape,
                          strides: pending.strides, offset: pending.offset)
        return view.isContiguous ? view : withNoGrad { view.contiguous() }
    }

    /// The `[String: Tensor]` the unpickled root holds — the root dict, or a dict nested one level
    /// under one of ``nestedStateDictionaryKeys`` — with each tensor over its storage's bytes
    /// (`rawStorages`: key → bytes, and their name for errors).
    static func stateDictionary(from root: PickleValue, rawStorages: [String: (TensorStorage, String)],
                                path: String, field: String) throws -> ([String: Tensor], String?) {
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
        // One converted storage per (key, element type): tensors sharing a storage share it here too.
        var loaded: [String: LoadedStorage] = [:]
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
            let storageKey = pending.storage.key
            guard let (bytes, storageName) = rawStorages[storageKey] else {
                throw FlintError.invalidFile(path: path, field: "\(field) state dict entry \"\(name)\"",
                                             expected: "storage \(storageKey)", found: "no such storage")
            }
            let cacheKey = "\(storageKey)/\(pending.elementType.rawValue)"
            let storage: LoadedStorage
            if let existing = loaded[cacheKey] {
                storage = existing
            } else {
                storage = try loadStorage(bytes, as: pending.elementType, path: path, field: storageName)
                loaded[cacheKey] = storage
            }
            tensors[name] = tensor(pending, storage: storage)
        }
        return (tensors, nestedKey)
    }
}
