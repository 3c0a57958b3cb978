import Foundation
import Testing
import Flint
import FlintTestSupport
@testable import FlintModels

/// Model folders: local and Hub-cache resolution, config.json, and weights in every format.
@Suite struct ModelFolderTests {
    static let bertConfiguration = #"{"model_type": "bert", "architectures": ["BertModel"], "hidden_size": 8, "num_attention_heads": 2, "vocab_size": 11}"#

    /// Three small tensors of known values.
    static func sampleWeights() -> [String: Tensor] {
        [
            "embeddings.weight": Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2]),
            "dense.bias": Tensor([0.5, -0.5]),
            "position_ids": Tensor(integers: [0, 1, 2], shape: [1, 3]),
        ]
    }

    static func expectSameWeights(_ loaded: [String: Tensor], _ reference: [String: Tensor]) {
        #expect(Set(loaded.keys) == Set(reference.keys))
        for (name, tensor) in reference {
            #expect(loaded[name]?.dtype == tensor.dtype, "\(name)")
            #expect(loaded[name]?.shape == tensor.shape, "\(name)")
            #expect(loaded[name].map(HubFixtures.values) == HubFixtures.values(tensor), "\(name)")
        }
    }

    /// A folder with config.json and the given weights as model.safetensors.
    static func makeFolder(_ label: String, configuration: String = bertConfiguration) throws -> URL {
        let folder = try HubFixtures.temporaryFolder(label)
        try Data(configuration.utf8).write(to: folder.appendingPathComponent("config.json"))
        return folder
    }

    /// Writes a two-shard safetensors checkpoint of `sampleWeights()` and its index.
    static func writeShardedSafeTensors(in folder: URL, indexMap: [String: String]? = nil) throws {
        let weights = sampleWeights()
        try SafeTensors.save(["embeddings.weight": weights["embeddings.weight"]!],
                             to: folder.appendingPathComponent("model-00001-of-00002.safetensors"))
        try SafeTensors.save(["dense.bias": weights["dense.bias"]!, "position_ids": weights["position_ids"]!],
                             to: folder.appendingPathComponent("model-00002-of-00002.safetensors"))
        let map = indexMap ?? [
            "embeddings.weight": "model-00001-of-00002.safetensors",
            "dense.bias": "model-00002-of-00002.safetensors",
            "position_ids": "model-00002-of-00002.safetensors",
        ]
        let index: [String: Any] = ["metadata": ["total_size": 44], "weight_map": map]
        try JSONSerialization.data(withJSONObject: index).write(to: folder.appendingPathComponent("model.safetensors.index.json"))
    }

    @Test func readsALocalFolderWithSafeTensors() throws {
        let folder = try Self.makeFolder("local")
        defer { try? FileManager.default.removeItem(at: folder) }
        try SafeTensors.save(Self.sampleWeights(), to: folder.appendingPathComponent("model.safetensors"))
        let model = try ModelFolder(folder.path)
        #expect(model.url.standardizedFileURL == folder.standardizedFileURL)
        #expect(model.repositoryId == nil)
        let configuration = try model.configuration()
        #expect(configuration.modelType == "bert")
        #expect(configuration.architectures == ["BertModel"])
        #expect(configuration["hidden_size"]?.integerValue == 8)
        #expect(try configuration.decode(BertConfiguration.self).vocabularySize == 11)
        #expect(try model.weightFiles() == .safeTensors(folder.appendingPathComponent("model.safetensors")))
        Self.expectSameWeights(try model.loadWeights(), Self.sampleWeights())
    }

    @Test func readsShardedSafeTensors() throws {
        let folder = try Self.makeFolder("sharded")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writeShardedSafeTensors(in: folder)
        let model = try ModelFolder(url: folder)
        guard case .shardedSafeTensors = try model.weightFiles() else {
            Issue.record("expected a sharded safetensors checkpoint")
            return
        }
        Self.expectSameWeights(try model.loadWeights(), Self.sampleWeights())
    }

    @Test func missingShardIsNamed() throws {
        let folder = try Self.makeFolder("missing-shard")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writeShardedSafeTensors(in: folder)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model-00002-of-00002.safetensors"))
        let error = try #require(throws: FlintError.self) { try ModelFolder(url: folder).loadWeights() }
        let message = error.description
        #expect(message.contains("model.safetensors.index.json"))
        #expect(message.contains("1 missing: model-00002-of-00002.safetensors"))
        #expect(message.contains("the 2 shard files it names"))
    }

    @Test func tensorMissingFromItsShardIsNamed() throws {
        let folder = try Self.makeFolder("missing-tensor")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writeShardedSafeTensors(in: folder, indexMap: [
            "embeddings.weight": "model-00001-of-00002.safetensors",
            "dense.bias": "model-00001-of-00002.safetensors",   // actually in shard 2
            "position_ids": "model-00002-of-00002.safetensors",
        ])
        let error = try #require(throws: FlintError.self) { try ModelFolder(url: folder).loadWeights() }
        let message = error.description
        #expect(message.contains("weight_map tensors of model-00001-of-00002.safetensors"))
        #expect(message.contains("including dense.bias"))
        #expect(message.contains("holds 1 tensors: embeddings.weight"))
    }

    @Test func unknownModelTypeListsTheSupportedTypes() throws {
        let folder = try Self.makeFolder("gpt2", configuration: #"{"model_type": "gpt2"}"#)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try ModelFolder(url: folder)
        let error = try #require(throws: HubError.self) { try model.configuration() }
        #expect(error == .unsupportedModelType(path: folder.appendingPathComponent("config.json").path, found: "gpt2", supported: ["bert"]))
        #expect(error.description.hasSuffix("unsupported model_type: expected one of bert, found \"gpt2\""))
        // The supported set is a parameter: a caller that knows gpt2 accepts it.
        #expect(try model.configuration(supportedModelTypes: ["bert", "gpt2"]).modelType == "gpt2")
        // No model_type at all.
        try Data(#"{"hidden_size": 8}"#.utf8).write(to: folder.appendingPathComponent("config.json"))
        let missing = try #require(throws: HubError.self) { try model.configuration() }
        #expect(missing.description.hasSuffix("found no model_type"))
    }

    @Test func configurationKeepsEveryJSONValue() throws {
        let folder = try Self.makeFolder("config-values", configuration: """
            {"model_type": "bert", "one": 1, "zero": 0, "flag": true, "ratio": 0.5, "name": "x", "none": null,
             "list": [1, "a"], "id2label": {"0": "neg"}}
            """)
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = try ModelFolder(url: folder).configuration()
        #expect(configuration["one"] == .number(1))
        #expect(configuration["zero"] == .number(0))
        #expect(configuration["flag"] == .bool(true))
        #expect(configuration["ratio"]?.doubleValue == 0.5)
        #expect(configuration["ratio"]?.integerValue == nil)
        #expect(configuration["name"]?.stringValue == "x")
        #expect(configuration["none"] == .null)
        #expect(configuration["list"] == .array([.number(1), .string("a")]))
        #expect(configuration["id2label"] == .object(["0": .string("neg")]))
        #expect(configuration.architectures == [])
        // A malformed file names itself.
        try Data("{\"model_type\": ".utf8).write(to: folder.appendingPathComponent("config.json"))
        let error = try #require(throws: FlintError.self) { try ModelFolder(url: folder).configuration() }
        #expect(error.description.hasPrefix(folder.appendingPathComponent("config.json").path + ": invalid JSON"))
    }

    @Test func missingWeightsListTheFilesLookedFor() throws {
        let folder = try Self.makeFolder("no-weights")
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = try #require(throws: HubError.self) { try ModelFolder(url: folder).loadWeights() }
        #expect(error == .missingFiles(folder: folder.path, lookedFor: [
            "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json",
        ]))
        #expect(error.description.contains(folder.path))
    }

    @Test func readsPyTorchWeightsAndPrefersSafeTensors() throws {
        let folder = try Self.makeFolder("pytorch")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: HubFixtures.url("tiny_nested.pt.bin"), to: folder.appendingPathComponent("pytorch_model.bin"))
        let model = try ModelFolder(url: folder)
        #expect(try model.weightFiles() == .pyTorch(folder.appendingPathComponent("pytorch_model.bin")))
        let weights = try model.loadWeights()
        #expect(weights["w"]?.toArray() == [1, 2])
        try SafeTensors.save(Self.sampleWeights(), to: folder.appendingPathComponent("model.safetensors"))
        #expect(try model.weightFiles() == .safeTensors(folder.appendingPathComponent("model.safetensors")))
        Self.expectSameWeights(try model.loadWeights(), Self.sampleWeights())
    }

    @Test func readsAPyTorchModelFolderAsTransformersSavedIt() throws {
        // config.json + pytorch_model.bin (torch.save of BertModel.state_dict(), with its _metadata).
        let folderURL = try HubFixtures.tinyBertFolder()
        let model = try ModelFolder(folderURL.path)
        let configuration = try model.configuration()
        #expect(configuration.modelType == "bert")
        let bert = try configuration.decode(BertConfiguration.self)
        #expect(bert.hiddenSize == 8 && bert.hiddenLayerCount == 2 && bert.intermediateSize == 16)
        let weights = try model.loadWeights()
        let expected = try HubFixtures.expectedTinyStateDict("tiny_bert.expected.json")
        #expect(Set(weights.keys) == Set(expected.keys))
        #expect(weights["encoder.layer.1.attention.self.query.weight"]?.shape == [8, 8])
        for (name, reference) in expected {
            let tensor = try #require(weights[name], "missing \(name)")
            #expect(tensor.shape == reference.shape, "\(name)")
            #expect(tensor.dtype.rawValue == reference.dtype, "\(name)")
            #expect(tensor.toArray() == reference.values.map { Float($0) }, "\(name)")
        }
        var shapes: [String: [Int]] = ["embeddings.word_embeddings.weight": [bert.vocabularySize, bert.hiddenSize],
                                       "pooler.dense.weight": [bert.hiddenSize, bert.hiddenSize]]
        for layer in 0..<bert.hiddenLayerCount {
            shapes["encoder.layer.\(layer).intermediate.dense.weight"] = [bert.intermediateSize, bert.hiddenSize]
            shapes["encoder.layer.\(layer).output.dense.weight"] = [bert.hiddenSize, bert.intermediateSize]
        }
        try checkWeights(weights, expected: shapes, allowUnexpected: true, source: model.url.path)
    }

    @Test func readsShardedPyTorchWeights() throws {
        let folder = try Self.makeFolder("pytorch-sharded")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: HubFixtures.url("tiny_nested.pt.bin"), to: folder.appendingPathComponent("pytorch_model-00001-of-00002.bin"))
        try FileManager.default.copyItem(at: HubFixtures.url("tiny_float64.pt.bin"), to: folder.appendingPathComponent("pytorch_model-00002-of-00002.bin"))
        let index: [String: Any] = ["weight_map": ["w": "pytorch_model-00001-of-00002.bin", "b": "pytorch_model-00001-of-00002.bin",
                                                   "weight": "pytorch_model-00002-of-00002.bin"]]
        try JSONSerialization.data(withJSONObject: index).write(to: folder.appendingPathComponent("pytorch_model.bin.index.json"))
        let weights = try ModelFolder(url: folder).loadWeights()
        #expect(Set(weights.keys) == ["w", "b", "weight"])
        #expect(weights["weight"]?.toArray() == [1, 2])
        #expect(weights["b"]?.toIntArray() == [3])
    }

    /// A Hub cache holding org/tiny at commit `commit` under refs/main, files as symlinks into blobs/.
    static func makeCache(commit: String) throws -> URL {
        let cache = try HubFixtures.temporaryFolder("hub-cache")
        let repository = cache.appendingPathComponent("models--org--tiny")
        let blobs = repository.appendingPathComponent("blobs")
        let snapshot = repository.appendingPathComponent("snapshots/\(commit)")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: snapshot, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: repository.appendingPathComponent("refs"), withIntermediateDirectories: true)
        try Data(bertConfiguration.utf8).write(to: blobs.appendingPathComponent("aaaa"))
        try SafeTensors.save(sampleWeights(), to: blobs.appendingPathComponent("bbbb"))
        try FileManager.default.createSymbolicLink(atPath: snapshot.appendingPathComponent("config.json").path, withDestinationPath: "../../blobs/aaaa")
        try FileManager.default.createSymbolicLink(atPath: snapshot.appendingPathComponent("model.safetensors").path, withDestinationPath: "../../blobs/bbbb")
        try Data(commit.utf8).write(to: repository.appendingPathComponent("refs/main"))
        return cache
    }

    @Test func resolvesModelIdsInTheHubCache() throws {
        let commit = String(repeating: "0123456789", count: 4).replacingOccurrences(of: "9", with: "a")
        let cache = try Self.makeCache(commit: commit)
        defer { try? FileManager.default.removeItem(at: cache) }
        let hub = HubCache(directory: cache)
        let model = try ModelFolder("org/tiny", cache: hub)
        #expect(model.repositoryId == "org/tiny")
        #expect(model.commit == commit)
        #expect(model.url.path.hasSuffix("models--org--tiny/snapshots/\(commit)"))
        #expect(try model.configuration().modelType == "bert")
        Self.expectSameWeights(try model.loadWeights(), Self.sampleWeights())
        // A commit hash as the revision finds the snapshot directly.
        #expect(try ModelFolder("org/tiny", revision: commit, cache: hub).commit == commit)
        // A revision the cache lacks: the error lists where it looked.
        let error = try #require(throws: HubError.self) { try ModelFolder("org/tiny", revision: "v2", cache: hub) }
        guard case .modelNotFound(let location, let searched) = error else {
            Issue.record("expected modelNotFound, got \(error)")
            return
        }
        #expect(location == "org/tiny")
        #expect(searched.contains(cache.appendingPathComponent("models--org--tiny/refs/v2").path))
        #expect(error.description.contains("flint download org/tiny"))
        #expect(throws: HubError.self) { try ModelFolder("org/other", cache: hub) }
        // A path that does not exist is reported as such, with no download hint.
        let path = cache.appendingPathComponent("absent/folder").path
        let absent = try #require(throws: HubError.self) { try ModelFolder(path, cache: hub) }
        #expect(absent.description == "\(path): not a model folder (looked for \(path))")
    }

    @Test func cacheDirectoryFollowsTheEnvironment() throws {
        #expect(HubCache(environment: ["HF_HUB_CACHE": "/a/hub", "HF_HOME": "/b"]).directory.path == "/a/hub")
        #expect(HubCache(environment: ["HUGGINGFACE_HUB_CACHE": "/c/hub", "HF_HOME": "/b"]).directory.path == "/c/hub")
        #expect(HubCache(environment: ["HF_HOME": "/b", "HOME": "/home/x"]).directory.path == "/b/hub")
        #expect(HubCache(environment: ["XDG_CACHE_HOME": "/xdg", "HOME": "/home/x"]).directory.path == "/xdg/huggingface/hub")
        #expect(HubCache(environment: ["HOME": "/home/x"]).directory.path == "/home/x/.cache/huggingface/hub")
        let cache = HubCache(directory: URL(fileURLWithPath: "/c"))
        #expect(cache.repositoryFolder("sentence-transformers/all-MiniLM-L6-v2").path == "/c/models--sentence-transformers--all-MiniLM-L6-v2")
        #expect(HubCache.isRepositoryId("bert-base-uncased"))
        #expect(HubCache.isRepositoryId("org/name.v2_x"))
        #expect(!HubCache.isRepositoryId("a/b/c"))
        #expect(!HubCache.isRepositoryId("../etc"))
        #expect(!HubCache.isRepositoryId("org/na--me"))
    }

    @Test func checkWeightsListsMissingUnexpectedAndMisshapen() throws {
        let weights = Self.sampleWeights()
        let expected: [String: [Int]] = ["embeddings.weight": [2, 3], "dense.bias": [2], "dense.weight": [2, 2]]
        let error = try #require(throws: HubError.self) {
            try checkWeights(weights, expected: expected, allowUnexpected: false, source: "m.safetensors")
        }
        #expect(error == .weightMismatch(source: "m.safetensors", missing: ["dense.weight"], unexpected: ["position_ids"],
                                         shapeMismatches: [.init(name: "embeddings.weight", expected: [2, 3], found: [3, 2])]))
        #expect(error.description == "m.safetensors: weights do not match the model: 1 missing (dense.weight); 1 unexpected (position_ids); "
            + "1 with the wrong shape (embeddings.weight: expected [2, 3], found [3, 2])")
        // Extra names allowed, everything else right: no error.
        try checkWeights(weights, expected: ["embeddings.weight": [3, 2], "dense.bias": [2]], allowUnexpected: true, source: "m")
        #expect(throws: HubError.self) {
            try checkWeights(weights, expected: ["embeddings.weight": [3, 2], "dense.bias": [2]], allowUnexpected: false, source: "m")
        }
    }

    @Test func loadsMiniLMThroughAModelFolder() throws {
        let start = Date()
        let model = try ModelFolder(url: try TestModels.miniLM)
        let configuration = try model.configuration()
        let weights = try model.loadWeights()
        let seconds = Date().timeIntervalSince(start)
        print("ModelFolder: MiniLM config + \(weights.count) tensors in \(String(format: "%.1f", seconds * 1000)) ms")
        #expect(configuration.modelType == "bert")
        #expect(weights["embeddings.word_embeddings.weight"]?.shape == [30522, 384])
        #expect(weights["embeddings.position_ids"]?.dtype == .int64)
        #expect(weights["encoder.layer.5.output.LayerNorm.bias"]?.shape == [384])
        let bert = try configuration.decode(BertConfiguration.self)
        var expected: [String: [Int]] = ["embeddings.word_embeddings.weight": [bert.vocabularySize, bert.hiddenSize]]
        for layer in 0..<bert.hiddenLayerCount {
            expected["encoder.layer.\(layer).intermediate.dense.weight"] = [bert.intermediateSize, bert.hiddenSize]
        }
        try checkWeights(weights, expected: expected, allowUnexpected: true, source: model.url.path)
    }
}
