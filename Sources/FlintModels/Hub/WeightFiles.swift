import Flint
import Foundation

/// The weights of a model folder in one of the formats `transformers` writes, and their loading
/// into `[String: Tensor]`.
///
/// Safetensors files are memory-mapped and their tensors borrow the mapping (zero copy);
/// `pytorch_model.bin` files are read by ``PyTorchCheckpoint`` (mapped too, copying only
/// non-contiguous tensors). A sharded checkpoint's index (`weight_map`: tensor name → shard file)
/// is checked: every shard must exist and hold every tensor the index maps to it.
public enum WeightFiles: Sendable, Equatable {
    /// `model.safetensors`.
    case safeTensors(URL)
    /// `model.safetensors.index.json` and the shards it names.
    case shardedSafeTensors(index: URL)
    /// `pytorch_model.bin`.
    case pyTorch(URL)
    /// `pytorch_model.bin.index.json` and the shards it names.
    case shardedPyTorch(index: URL)

    static let safeTensorsName = "model.safetensors"
    static let safeTensorsIndexName = "model.safetensors.index.json"
    static let pyTorchName = "pytorch_model.bin"
    static let pyTorchIndexName = "pytorch_model.bin.index.json"
    /// The file names looked for, in order of preference.
    public static let names = [safeTensorsName, safeTensorsIndexName, pyTorchName, pyTorchIndexName]

    /// The file the weights are read from (the index for a sharded checkpoint).
    public var url: URL {
        switch self {
        case .safeTensors(let url), .pyTorch(let url): return url
        case .shardedSafeTensors(let index), .shardedPyTorch(let index): return index
        }
    }

    /// Reads every tensor.
    ///
    /// - Throws: ``Flint/FlintError`` naming the file and field for a malformed file or index, a
    ///   shard missing from the folder, or a tensor missing from its shard.
    public func load() throws -> [String: Tensor] {
        switch self {
        case .safeTensors(let url):
            return try SafeTensorsFile(contentsOf: url).loadAll()
        case .pyTorch(let url):
            return try PyTorchCheckpoint(contentsOf: url).tensors
        case .shardedSafeTensors(let index):
            return try WeightFiles.loadShards(index: index) { url, names in
                let file = try SafeTensorsFile(contentsOf: url)
                let present = Set(file.names)
                var tensors: [String: Tensor] = [:]
                for name in names where present.contains(name) { tensors[name] = try file.tensor(named: name) }
                return (tensors, file.names)
            }
        case .shardedPyTorch(let index):
            return try WeightFiles.loadShards(index: index) { url, _ in
                let tensors = try PyTorchCheckpoint(contentsOf: url).tensors
                return (tensors, tensors.keys.sorted())
            }
        }
    }

    /// The `weight_map` of a shard index: tensor name → shard file name.
    public static func weightMap(index: URL) throws -> [String: String] {
        let data: Data
        do { data = try Data(contentsOf: index) } catch {
            throw FlintError.io(path: index.path, message: "cannot read: \(error.localizedDescription)")
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw FlintError.invalidFile(path: index.path, field: "JSON", expected: "a JSON object with a weight_map", found: "text that does not parse")
        }
        guard let root = object as? [String: Any] else {
            throw FlintError.invalidFile(path: index.path, field: "JSON", expected: "a JSON object with a weight_map", found: "another JSON value")
        }
        guard let map = root["weight_map"] as? [String: Any] else {
            throw FlintError.invalidFile(path: index.path, field: "weight_map", expected: "an object of tensor name → shard file",
                                         found: root["weight_map"] == nil ? "nothing" : "another JSON value")
        }
        var result: [String: String] = [:]
        for (name, value) in map {
            guard let shard = value as? String, !shard.isEmpty, !shard.hasPrefix("/"),
                  !shard.split(separator: "/").contains("..") else {
                throw FlintError.invalidFile(path: index.path, field: "weight_map \"\(name)\"",
                                             expected: "a shard file name inside the folder", found: "\(value)")
            }
            result[name] = shard
        }
        return result
    }

    /// Loads the shards an index names with `read` (shard URL, names wanted → tensors, names the shard
    /// holds) and checks that every shard exists and every mapped tensor was found.
    private static func loadShards(index: URL, read: (URL, [String]) throws -> ([String: Tensor], [String])) throws -> [String: Tensor] {
        let map = try weightMap(index: index)
        let folder = index.deletingLastPathComponent()
        var namesByShard: [String: [String]] = [:]
        for (name, shard) in map { namesByShard[shard, default: []].append(name) }
        let shards = namesByShard.keys.sorted()
        let missingShards = shards.filter { !FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
        guard missingShards.isEmpty else {
            throw FlintError.invalidFile(path: index.path, field: "weight_map shards",
                                         expected: "the \(shards.count) shard files it names in \(folder.path) (\(HubError.list(shards)))",
                                         found: "\(missingShards.count) missing: \(HubError.list(missingShards))")
        }
        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(map.count)
        for shard in shards {
            let wanted = namesByShard[shard]!.sorted()
            let (loaded, present) = try read(folder.appendingPathComponent(shard), wanted)
            let absent = wanted.filter { loaded[$0] == nil }
            guard absent.isEmpty else {
                throw FlintError.invalidFile(path: index.path, field: "weight_map tensors of \(shard)",
                                             expected: "\(wanted.count) tensors in \(shard), including \(HubError.list(absent))",
                                             found: "\(absent.count) of them missing; \(shard) holds \(present.count) tensors: \(HubError.list(present))")
            }
            for name in wanted { tensors[name] = loaded[name] }
        }
        return tensors
    }
}
