import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import Flint
@testable import FlintModels

/// A Hub served from memory: the model-info API and `resolve` downloads of one repository.
final class FakeHubTransport: HubTransport, @unchecked Sendable {
    struct File {
        let data: Data
        let etag: String
        /// LFS files are served through a redirect carrying X-Linked-Etag, as the Hub does.
        let isLarge: Bool
        /// Bytes to stop after (a dropped connection), if any.
        var cutAfter: Int? = nil
    }

    let host: String
    let repositoryId: String
    let commit: String
    var files: [String: File]
    /// The status the API answers with.
    var apiStatus = 200
    private let lock = NSLock()
    private var recorded: [URLRequest] = []

    init(host: String = "https://huggingface.co", repositoryId: String, commit: String, files: [String: File]) {
        self.host = host
        self.repositoryId = repositoryId
        self.commit = commit
        self.files = files
    }

    var requests: [URLRequest] { lock.withLock { recorded } }
    var downloadedFiles: [String] {
        let prefix = "\(host)/\(repositoryId)/resolve/\(commit)/"
        return requests.compactMap { $0.url?.absoluteString }.filter { $0.hasPrefix(prefix) }
            .map { String($0.dropFirst(prefix.count)).removingPercentEncoding! }
    }

    func get(_ request: URLRequest) throws -> HubResponse {
        lock.withLock { recorded.append(request) }
        let url = request.url!.absoluteString
        guard url == "\(host)/api/models/\(repositoryId)/revision/main?blobs=true"
                || url == "\(host)/api/models/\(repositoryId)/revision/\(commit)?blobs=true" else {
            return HubResponse(statusCode: 404, body: Data(#"{"error":"Repository not found"}"#.utf8))
        }
        guard apiStatus == 200 else { return HubResponse(statusCode: apiStatus, body: Data("denied".utf8)) }
        // As the Hub answers with ?blobs=true: size and blobId, plus lfs.sha256 and lfs.size for LFS files.
        let siblings: [[String: Any]] = files.keys.sorted().map { name in
            let file = files[name]!
            var sibling: [String: Any] = ["rfilename": name, "size": file.data.count, "blobId": file.isLarge ? "gitsha" : file.etag]
            if file.isLarge { sibling["lfs"] = ["sha256": file.etag, "size": file.data.count, "pointerSize": 130] }
            return sibling
        }
        let body = try JSONSerialization.data(withJSONObject: ["id": repositoryId, "sha": commit, "siblings": siblings])
        return HubResponse(statusCode: 200, headers: ["Content-Type": "application/json"], body: body)
    }

    func download(_ request: URLRequest, to destination: URL, progress: @escaping @Sendable (Int64, Int64?) -> Void) throws -> HubResponse {
        lock.withLock { recorded.append(request) }
        let prefix = "\(host)/\(repositoryId)/resolve/\(commit)/"
        let url = request.url!.absoluteString
        guard url.hasPrefix(prefix), let name = String(url.dropFirst(prefix.count)).removingPercentEncoding,
              let file = files[name] else {
            return HubResponse(statusCode: 404, body: Data("Entry not found".utf8))
        }
        // Written in two chunks, with progress after each.
        let served = file.data.prefix(file.cutAfter ?? file.data.count)
        let half = served.count / 2
        try Data(served.prefix(half)).write(to: destination)
        progress(Int64(half), Int64(file.data.count))
        let handle = try FileHandle(forWritingTo: destination)
        try handle.seekToEnd()
        try handle.write(contentsOf: served.dropFirst(half))
        try handle.close()
        progress(Int64(served.count), Int64(file.data.count))
        var headers = ["Content-Length": "\(file.data.count)"]
        var redirects: [[String: String]] = []
        if file.isLarge {
            redirects = [["Location": "https://cdn.example/\(file.etag)", "X-Linked-Etag": "\"\(file.etag)\"", "ETag": "\"gitsha\""]]
            headers["ETag"] = "\"cdn-etag\""
        } else {
            headers["ETag"] = "W/\"\(file.etag)\""
        }
        return HubResponse(statusCode: 200, headers: headers, redirectHeaders: redirects)
    }
}

/// Collects downloader events across threads.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [HubDownloader.Event] = []
    func append(_ event: HubDownloader.Event) { lock.withLock { stored.append(event) } }
    var events: [HubDownloader.Event] { lock.withLock { stored } }
}

@Suite struct HubDownloaderTests {
    static let commit = "abcdef0123456789abcdef0123456789abcdef01"

    static func makeHub() throws -> FakeHubTransport {
        let folder = try HubFixtures.temporaryFolder("hub-weights")
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = folder.appendingPathComponent("model.safetensors")
        try SafeTensors.save(ModelFolderTests.sampleWeights(), to: weights)
        let files: [String: FakeHubTransport.File] = [
            "config.json": .init(data: Data(ModelFolderTests.bertConfiguration.utf8), etag: "c0ffee01", isLarge: false),
            "tokenizer.json": .init(data: Data(#"{"version":"1.0"}"#.utf8), etag: "c0ffee02", isLarge: false),
            "vocab.txt": .init(data: Data("[PAD]\n[UNK]\n".utf8), etag: "c0ffee03", isLarge: false),
            "1_Pooling/config.json": .init(data: Data(#"{"pooling_mode_mean_tokens": true}"#.utf8), etag: "c0ffee04", isLarge: false),
            "model.safetensors": .init(data: try Data(contentsOf: weights), etag: String(repeating: "5", count: 64), isLarge: true),
            "pytorch_model.bin": .init(data: Data("not wanted".utf8), etag: "b1", isLarge: true),
            "onnx/model.onnx": .init(data: Data("not wanted".utf8), etag: "b2", isLarge: true),
            "tf_model.h5": .init(data: Data("not wanted".utf8), etag: "b3", isLarge: true),
            "README.md": .init(data: Data("# tiny".utf8), etag: "b4", isLarge: false),
        ]
        return FakeHubTransport(repositoryId: "org/tiny", commit: commit, files: files)
    }

    @Test func writesTheHubCacheLayout() throws {
        let hub = try Self.makeHub()
        let cacheFolder = try HubFixtures.temporaryFolder("download-cache")
        defer { try? FileManager.default.removeItem(at: cacheFolder) }
        let cache = HubCache(directory: cacheFolder)
        let log = EventLog()
        let downloader = HubDownloader(cache: cache, environment: [:], transport: hub)
        let folder = try downloader.download("org/tiny") { log.append($0) }

        #expect(Set(hub.downloadedFiles) == ["config.json", "tokenizer.json", "vocab.txt", "1_Pooling/config.json", "model.safetensors"])
        let repository = cacheFolder.appendingPathComponent("models--org--tiny")
        #expect(try String(contentsOf: repository.appendingPathComponent("refs/main"), encoding: .utf8) == Self.commit)
        let snapshot = repository.appendingPathComponent("snapshots/\(Self.commit)")
        let manager = FileManager.default
        #expect(try manager.destinationOfSymbolicLink(atPath: snapshot.appendingPathComponent("config.json").path) == "../../blobs/c0ffee01")
        #expect(try manager.destinationOfSymbolicLink(atPath: snapshot.appendingPathComponent("1_Pooling/config.json").path) == "../../../blobs/c0ffee04")
        // An LFS file's blob is named by the X-Linked-Etag of the redirect (its sha256).
        #expect(try manager.destinationOfSymbolicLink(atPath: snapshot.appendingPathComponent("model.safetensors").path)
                == "../../blobs/" + String(repeating: "5", count: 64))
        let blobs = try manager.contentsOfDirectory(atPath: repository.appendingPathComponent("blobs").path)
        #expect(Set(blobs) == ["c0ffee01", "c0ffee02", "c0ffee03", "c0ffee04", String(repeating: "5", count: 64)])
        #expect(try Data(contentsOf: snapshot.appendingPathComponent("vocab.txt")) == hub.files["vocab.txt"]!.data)

        // The result is a model folder, and the same id resolves offline through the cache.
        #expect(folder.commit == Self.commit)
        let offline = try ModelFolder("org/tiny", cache: cache)
        #expect(offline.url == folder.url)
        ModelFolderTests.expectSameWeights(try offline.loadWeights(), ModelFolderTests.sampleWeights())

        let events = log.events
        let total = ["config.json", "tokenizer.json", "vocab.txt", "1_Pooling/config.json", "model.safetensors"].map { hub.files[$0]!.data.count }.reduce(0, +)
        #expect(events.contains { if case .resolved(Self.commit, let files, let bytes) = $0 { return files.count == 5 && bytes == Int64(total) } else { return false } })
        #expect(events.contains { if case .progress("model.safetensors", _, let expected?) = $0 { return expected > 0 } else { return false } })
        #expect(events.contains { if case .finished("model.safetensors", let bytes) = $0 { return bytes == Int64(hub.files["model.safetensors"]!.data.count) } else { return false } })
    }

    @Test func skipsFilesAlreadyInTheSnapshot() throws {
        let hub = try Self.makeHub()
        let cacheFolder = try HubFixtures.temporaryFolder("download-again")
        defer { try? FileManager.default.removeItem(at: cacheFolder) }
        let downloader = HubDownloader(cache: HubCache(directory: cacheFolder), environment: [:], transport: hub)
        try downloader.download("org/tiny")
        let first = hub.downloadedFiles.count
        let log = EventLog()
        try downloader.download("org/tiny") { log.append($0) }
        #expect(hub.downloadedFiles.count == first)
        #expect(log.events.filter { if case .skipped = $0 { return true } else { return false } }.count == 5)
    }

    @Test func reusesBlobsAcrossRevisions() throws {
        // A new commit whose files are unchanged: every file links to the blob fetched before.
        let first = try Self.makeHub()
        let cacheFolder = try HubFixtures.temporaryFolder("download-reuse")
        defer { try? FileManager.default.removeItem(at: cacheFolder) }
        let cache = HubCache(directory: cacheFolder)
        try HubDownloader(cache: cache, environment: [:], transport: first).download("org/tiny")
        let newCommit = String(repeating: "f", count: 40)
        var files = first.files
        files["vocab.txt"] = .init(data: Data("[PAD]\n[UNK]\n[CLS]\n".utf8), etag: "c0ffee05", isLarge: false)  // changed
        let second = FakeHubTransport(repositoryId: "org/tiny", commit: newCommit, files: files)
        let log = EventLog()
        let folder = try HubDownloader(cache: cache, environment: [:], transport: second).download("org/tiny") { log.append($0) }
        #expect(second.downloadedFiles == ["vocab.txt"])
        #expect(log.events.filter { if case .reused = $0 { return true } else { return false } }.count == 4)
        #expect(folder.commit == newCommit)
        #expect(try String(contentsOf: cacheFolder.appendingPathComponent("models--org--tiny/refs/main"), encoding: .utf8) == newCommit)
        #expect(try Data(contentsOf: folder.fileURL("vocab.txt")) == files["vocab.txt"]!.data)
        ModelFolderTests.expectSameWeights(try folder.loadWeights(), ModelFolderTests.sampleWeights())
    }

    @Test func sendsTheTokenToTheConfiguredEndpoint() throws {
        let base = try Self.makeHub()
        let hub = FakeHubTransport(host: "http://mirror.local:8080", repositoryId: "org/tiny", commit: Self.commit, files: base.files)
        let cacheFolder = try HubFixtures.temporaryFolder("download-token")
        defer { try? FileManager.default.removeItem(at: cacheFolder) }
        let downloader = HubDownloader(cache: HubCache(directory: cacheFolder),
                                       environment: ["HF_TOKEN": "hf_secret", "HF_ENDPOINT": "http://mirror.local:8080/"], transport: hub)
        try downloader.download("org/tiny", all: true)
        #expect(hub.requests.count == 1 + base.files.count)
        #expect(hub.requests.allSatisfy { $0.value(forHTTPHeaderField: "Authorization") == "Bearer hf_secret" })
        #expect(hub.requests.allSatisfy { $0.url!.absoluteString.hasPrefix("http://mirror.local:8080/") })
        // --all takes every file.
        #expect(Set(hub.downloadedFiles) == Set(base.files.keys))
    }

    @Test func failuresSayWhatToDo() throws {
        let hub = try Self.makeHub()
        let cacheFolder = try HubFixtures.temporaryFolder("download-fail")
        defer { try? FileManager.default.removeItem(at: cacheFolder) }
        let downloader = HubDownloader(cache: HubCache(directory: cacheFolder), environment: [:], transport: hub)
        let missing = try #require(throws: HubError.self) { try downloader.download("org/other") }
        #expect(missing.description.contains("HTTP 404: no such repository"))
        hub.apiStatus = 401
        let gated = try #require(throws: HubError.self) { try downloader.download("org/tiny") }
        #expect(gated.description.contains("set HF_TOKEN"))
        hub.apiStatus = 200
        // A transfer that stops early leaves nothing behind in the snapshot or the blobs.
        hub.files["model.safetensors"]!.cutAfter = 10
        let cut = try #require(throws: HubError.self) { try downloader.download("org/tiny") }
        #expect(cut.description.contains("ended after 10 of"))
        let snapshot = cacheFolder.appendingPathComponent("models--org--tiny/snapshots/\(Self.commit)")
        #expect(!FileManager.default.fileExists(atPath: snapshot.appendingPathComponent("model.safetensors").path))
        let blobs = try FileManager.default.contentsOfDirectory(atPath: cacheFolder.appendingPathComponent("models--org--tiny/blobs").path)
        #expect(!blobs.contains { $0.hasSuffix(".incomplete") })
    }

    @Test func selectsConfigTokenizerAndSafeTensorsFiles() {
        let files = [
            ".gitattributes", "README.md", "config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
            "merges.txt", "special_tokens_map.json", "spiece.model", "model.safetensors", "model-00001-of-00002.safetensors",
            "model.safetensors.index.json", "pytorch_model.bin", "training_args.bin", "tf_model.h5", "flax_model.msgpack",
            "rust_model.ot", "onnx/model.onnx", "onnx/config.json", "openvino/openvino_model.xml", "1_Pooling/config.json",
            "modules.json", "modeling_custom.py", "images/logo.png",
        ]
        #expect(HubFileSelection.select(files) == [
            "config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "merges.txt", "special_tokens_map.json",
            "spiece.model", "model.safetensors", "model-00001-of-00002.safetensors", "model.safetensors.index.json",
            "1_Pooling/config.json", "modules.json",
        ])
        // Without safetensors weights, the PyTorch checkpoint is taken (but not training_args.bin).
        #expect(HubFileSelection.select(["config.json", "pytorch_model.bin", "training_args.bin", "onnx/model.safetensors"])
                == ["config.json", "pytorch_model.bin"])
        #expect(HubFileSelection.select(files, all: true) == files)
    }

    @Test func buildsHubURLs() {
        let downloader = HubDownloader(cache: HubCache(directory: URL(fileURLWithPath: "/tmp")), environment: [:], transport: FakeHubTransport(repositoryId: "a/b", commit: Self.commit, files: [:]))
        #expect(downloader.infoURL("a/b", revision: "refs/pr/1").absoluteString == "https://huggingface.co/api/models/a/b/revision/refs%2Fpr%2F1?blobs=true")
        #expect(downloader.fileURL("a/b", commit: Self.commit, file: "1_Pooling/my config.json").absoluteString
                == "https://huggingface.co/a/b/resolve/\(Self.commit)/1_Pooling/my%20config.json")
        #expect(HubResponse(statusCode: 200, headers: ["ETag": "W/\"abc\""]).entityTag == "abc")
        #expect(HubResponse(statusCode: 200, headers: ["ETag": "\"../x\""]).entityTag == nil)
    }
}
