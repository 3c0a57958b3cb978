import Flint

// The legacy checkpoint format (`torch.save(..., _use_new_zipfile_serialization=False)`, and every
// torch.save before PyTorch 1.6): pickles and raw storages, one after another.
//
//   pickle 1   the magic number 0x1950a86a20f9469cfc6c
//   pickle 2   the protocol version, 1001
//   pickle 3   system info: {"protocol_version": 1001, "little_endian": True, "type_sizes": {...}}
//   pickle 4   the object; each storage a persistent id
//              ('storage', torch.<Type>Storage, key, location, numel, view_metadata=None)
//   pickle 5   the storage keys, sorted: ["140…", …]
//   then, for each key in that order: numel as a little-endian int64, then numel elements

extension PyTorchCheckpoint {
    /// The legacy magic number 0x1950a86a20f9469cfc6c as a pickled int's little-endian bytes.
    static let legacyMagicNumber: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// Reads a legacy-format checkpoint: the tensors (by name) and the key a state dict was nested under.
    static func readLegacy(_ file: MappedFile) throws -> ([String: Tensor], String?) {
        let path = file.path
        let bytes = file.bytes
        var position = 0
        func invalid(_ field: String, _ expected: String, _ found: String) -> FlintError {
            .invalidFile(path: path, field: "legacy format \(field)", expected: expected, found: found)
        }
        // The pickles' lists and dicts stay usable until this function returns (see PickleContainerArena).
        var containers: [PickleContainerArena] = []
        defer { withExtendedLifetime(containers) {} }
        /// A pickle of plain values (no globals, no persistent ids) at `position`.
        func plainPickle(_ field: String) throws -> PickleValue {
            var reader = PickleReader(bytes: bytes, startingAt: position, path: path, field: "legacy format \(field)", allowedGlobals: [])
            containers.append(reader.containers)
            let value = try reader.load(
                reduce: { module, name, _ in throw invalid(field, "plain values", "a call of \(module).\(name)") },
                persistentLoad: { _ in throw invalid(field, "plain values", "a persistent id") })
            position = reader.position
            return value
        }
        let magic = try plainPickle("magic number")
        guard case .largeInteger(let magicBytes) = magic, magicBytes == legacyMagicNumber else {
            throw FlintError.invalidFile(path: path, field: "format",
                                         expected: "a PyTorch checkpoint (a ZIP archive, or the legacy format's magic number 0x1950a86a20f9469cfc6c)",
                                         found: "a pickle of \(magic.kind)")
        }
        let version = try plainPickle("protocol version")
        guard version.integerValue == 1001 else {
            throw invalid("protocol version", "1001", version.kind)
        }
        let information = try plainPickle("system info")
        guard case .dictionary(let system) = information, case .bool(true)? = system["little_endian"] else {
            throw invalid("system info", "a dict with little_endian True (a little-endian checkpoint)", information.kind)
        }

        var main = PickleReader(bytes: bytes, startingAt: position, path: path, field: "legacy format object pickle",
                                allowedGlobals: allowedGlobals)
        containers.append(main.containers)
        let (root, references) = try unpickle(&main, persistentIdLengths: [6])
        position = main.position

        let keysValue = try plainPickle("storage keys")
        guard let items = keysValue.sequenceItems else { throw invalid("storage keys", "a list of str", keysValue.kind) }
        var storages: [String: (TensorStorage, String)] = [:]
        for item in items {
            guard let key = item.stringValue else { throw invalid("storage keys", "a list of str", "an item that is \(item.kind)") }
            guard let reference = references[key] else {
                throw invalid("storage keys", "keys of storages the object uses", "\"\(key)\", which no tensor uses")
            }
            guard position <= bytes.count - 8 else {
                throw invalid("storage \(key) size", "an 8-byte element count at byte \(position)", "the end of the file")
            }
            let stored = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: Int64.self))
            guard stored == Int64(reference.count) else {
                throw invalid("storage \(key) size", "\(reference.count) elements (from its persistent id)", "\(stored)")
            }
            let start = position + 8
            guard let byteCount = reference.byteCount, byteCount <= bytes.count - start else {
                throw invalid("storage \(key) data", "\(reference.byteCount.map(String.init) ?? "a 64-bit number of") bytes from byte \(start)",
                              "\(bytes.count - start) bytes left in the file")
            }
            storages[key] = (TensorStorage(borrowing: file.data + start, byteCount: byteCount, owner: file), "legacy storage \(key)")
            position = start + byteCount
        }
        if let unlisted = references.keys.sorted().first(where: { storages[$0] == nil }) {
            throw invalid("storage keys", "every storage the object uses", "no data for storage \"\(unlisted)\"")
        }
        return try stateDictionary(from: root, rawStorages: storages, path: path, field: "legacy format object pickle")
    }
}
