import Flint
import FlintSupport
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches model repositories from the Hugging Face Hub into the standard cache layout
/// (``HubCache``), so that ``ModelFolder`` — and `transformers` — find them offline afterwards.
///
/// 1. `GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true` gives the commit (`sha`) and
///    the files (`siblings[]`: `rfilename`, `size`, `blobId`, `lfs.sha256`); ``HubFileSelection``
///    picks the files.
/// 2. Each file missing from `snapshots/{sha}/` is linked to its blob when `blobs/` already holds it
///    (a file unchanged since a revision fetched before), else fetched from
///    `{endpoint}/{repo}/resolve/{sha}/{file}` into a temporary file in `blobs/`, renamed to its blob
///    name (the ETag: an LFS file's sha256, else its git blob id, as `huggingface_hub` names blobs),
///    and linked from `snapshots/{sha}/{file}` with a relative symlink.
/// 3. `refs/{revision}` is written with the commit.
///
/// `HF_ENDPOINT` replaces `https://huggingface.co`; `HF_TOKEN` (or `HUGGING_FACE_HUB_TOKEN`) is sent
/// as a Bearer token, for gated and private models.
public struct HubDownloader: Sendable {
    /// What happens during ``download(_:revision:all:events:)``, for progress displays.
    public enum Event: Sendable {
        /// The file list is known: `files` will be fetched (some may already be present), `bytes`
        /// in all when the Hub gave every size.
        case resolved(commit: String, files: [String], bytes: Int64?)
        /// `file` is already in the snapshot; nothing to fetch.
        case skipped(file: String)
        /// `file`'s contents were already in `blobs/` (from another revision): linked, not fetched.
        case reused(file: String)
        /// `file` (number `index` of `count`) starts downloading.
        case started(file: String, index: Int, count: Int)
        /// `bytes` of `file` are written (out of `expected`, when the server says).
        case progress(file: String, bytes: Int64, expected: Int64?)
        /// `file` is complete, `bytes` long.
        case finished(file: String, bytes: Int64)
    }

    /// The repository's commit and files, from the Hub API.
    public struct RepositoryInfo: Sendable, Equatable {
        /// The commit hash the revision points to.
        public let commit: String
        /// Every file path in the repository at that commit.
        public let files: [String]
        /// Sizes in bytes, by path, where the Hub gave them.
        public let sizes: [String: Int64]
        /// Blob names (an LFS file's sha256, else the git blob id), by path, where the Hub gave them.
        public let blobNames: [String: String]
    }

    /// The cache written to.
    public let cache: HubCache
    /// The Hub's base URL.
    public let endpoint: URL
    /// The access token, if any.
    public let token: String?
    /// The network (or a fake).
    public let transport: any HubTransport

    /// A downloader into `cache`, configured from `environment` (`HF_ENDPOINT`, `HF_TOKEN`).
    public init(cache: HubCache = HubCache(), environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: any HubTransport = URLSessionHubTransport()) {
        self.cache = cache
        let endpoint = environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : URL(string: $0) }
        self.endpoint = endpoint ?? URL(string: "https://huggingface.co")!
        let token = environment["HF_TOKEN"] ?? environment["HUGGING_FACE_HUB_TOKEN"]
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.transport = transport
    }

    /// `text` with every character outside the unreserved set percent-encoded (`/` too).
    static func encodeComponent(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The API URL of a repository at a revision.
    public func infoURL(_ repositoryId: String, revision: String) -> URL {
        URL(string: endpoint.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            + "/api/models/\(repositoryId)/revision/\(HubDownloader.encodeComponent(revision))?blobs=true")!
    }

    /// The download URL of a file at a commit.
    public func fileURL(_ repositoryId: String, commit: String, file: String) -> URL {
        let path = file.split(separator: "/").map { HubDownloader.encodeComponent(String($0)) }.joined(separator: "/")
        return URL(string: endpoint.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            + "/\(repositoryId)/resolve/\(commit)/\(path)")!
    }

    private func request(_ url: URL) -> URLRequest {
        var request = URLRequest(url: url)
        request.setValue("flint", forHTTPHeaderField: "User-Agent")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        return request
    }

    /// Turns a failed response into an error that says what to do.
    private func failure(_ url: URL, _ response: HubResponse, _ repositoryId: String) -> HubError {
        let detail = String(decoding: response.body.prefix(300), as: UTF8.self)
        let message: String
        switch response.statusCode {
        case 401, 403:
            message = token == nil
                ? "\(repositoryId) is private or gated: set HF_TOKEN to an access token that may read it"
                : "the token in HF_TOKEN may not read \(repositoryId)"
        case 404:
            message = "no such repository, revision or file"
        default:
            message = detail.isEmpty ? "request failed" : detail
        }
        return .requestFailed(url: url.absoluteString, status: response.statusCode, message: message)
    }

    /// The commit and file list of `repositoryId` at `revision`.
    ///
    /// - Throws: ``HubError/requestFailed(url:status:message:)`` for a failed request or a reply
    ///   without `sha` and `siblings`.
    public func repositoryInfo(_ repositoryId: String, revision: String = "main") throws -> RepositoryInfo {
        let url = infoURL(repositoryId, revision: revision)
        let response = try transport.get(request(url))
        guard response.isSuccess else { throw failure(url, response, repositoryId) }
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let commit = object["sha"] as? String, HubCache.isCommitHash(commit),
              let siblings = object["siblings"] as? [[String: Any]] else {
            throw HubError.requestFailed(url: url.absoluteString, status: response.statusCode,
                                         message: "expected JSON with a 40-digit \"sha\" and \"siblings\", found \(response.body.count) bytes that are not")
        }
        var files: [String] = []
        var sizes: [String: Int64] = [:]
        var blobNames: [String: String] = [:]
        for sibling in siblings {
            guard let path = sibling["rfilename"] as? String, HubDownloader.isSafeRelativePath(path) else { continue }
            files.append(path)
            let lfs = sibling["lfs"] as? [String: Any]
            if let size = (lfs?["size"] as? NSNumber) ?? (sibling["size"] as? NSNumber) { sizes[path] = size.int64Value }
            if let name = (lfs?["sha256"] as? String) ?? (sibling["blobId"] as? String), HubDownloader.isBlobName(name) {
                blobNames[path] = name
            }
        }
        return RepositoryInfo(commit: commit, files: files, sizes: sizes, blobNames: blobNames)
    }

    /// Whether `name` can name a file in `blobs/` (hex digits, letters, `-`, `_`; no path).
    static func isBlobName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// Whether `path` stays inside the folder it is relative to.
    static func isSafeRelativePath(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty || $0 == "." || $0 == ".." }
    }

    /// Downloads `repositoryId` at `revision` into the cache and returns its folder. Files already in
    /// the snapshot are skipped; each new file appears in the snapshot only once complete.
    ///
    /// - Parameters:
    ///   - all: fetch every file rather than ``HubFileSelection``'s choice.
    ///   - events: called with progress (from the transport's threads).
    /// - Throws: ``HubError/requestFailed(url:status:message:)``; ``Flint/FlintError/io(path:message:)``
    ///   when the cache cannot be written.
    @discardableResult
    public func download(_ repositoryId: String, revision: String = "main", all: Bool = false,
                         events: @escaping @Sendable (Event) -> Void = { _ in }) throws -> ModelFolder {
        guard HubCache.isRepositoryId(repositoryId) else {
            throw HubError.requestFailed(url: repositoryId, status: 0, message: "not a repository id (expected ORG/NAME)")
        }
        let info = try repositoryInfo(repositoryId, revision: revision)
        let files = HubFileSelection.select(info.files, all: all)
        let sizes = files.compactMap { info.sizes[$0] }
        events(.resolved(commit: info.commit, files: files, bytes: sizes.count == files.count ? sizes.reduce(0, +) : nil))
        let repository = cache.repositoryFolder(repositoryId)
        let blobs = repository.appendingPathComponent("blobs", isDirectory: true)
        let snapshot = cache.snapshotFolder(repositoryId, commit: info.commit)
        try HubDownloader.createDirectory(blobs)
        try HubDownloader.createDirectory(snapshot)

        for (index, file) in files.enumerated() {
            let link = snapshot.appendingPathComponent(file)
            if FileManager.default.fileExists(atPath: link.path) {
                events(.skipped(file: file))
                continue
            }
            if let name = info.blobNames[file], let size = HubDownloader.fileSize(blobs.appendingPathComponent(name)),
               info.sizes[file].map({ $0 == size }) ?? true {
                try HubDownloader.link(link, toBlob: name, file: file)
                events(.reused(file: file))
                continue
            }
            events(.started(file: file, index: index, count: files.count))
            let url = fileURL(repositoryId, commit: info.commit, file: file)
            let temporary = blobs.appendingPathComponent(".\(UUID().uuidString).incomplete")
            defer { try? FileManager.default.removeItem(at: temporary) }
            let response = try transport.download(request(url), to: temporary) { bytes, expected in
                events(.progress(file: file, bytes: bytes, expected: expected))
            }
            guard response.isSuccess else { throw failure(url, response, repositoryId) }
            let size = HubDownloader.fileSize(temporary) ?? 0
            let encoded = response.headers["content-encoding"].map { $0 != "identity" } ?? false
            let expected = info.sizes[file] ?? (encoded ? nil : response.headers["content-length"].flatMap(Int64.init))
            if let expected, expected != size {
                throw HubError.requestFailed(url: url.absoluteString, status: response.statusCode,
                                             message: "the transfer ended after \(size) of \(expected) bytes")
            }
            let blobName = response.entityTag ?? info.blobNames[file] ?? "flint-\(info.commit)-" + file.replacingOccurrences(of: "/", with: "--")
            try HubDownloader.rename(temporary, to: blobs.appendingPathComponent(blobName))
            try HubDownloader.link(link, toBlob: blobName, file: file)
            events(.finished(file: file, bytes: size))
        }
        if revision != info.commit {
            try HubDownloader.writeAtomically(Data(info.commit.utf8), to: cache.referenceFile(repositoryId, revision: revision))
        }
        return ModelFolder(url: snapshot, repositoryId: repositoryId, commit: info.commit)
    }

    /// The size of the regular file at `url`, nil when there is none.
    static func fileSize(_ url: URL) -> Int64? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              attributes[.type] as? FileAttributeType == .typeRegular,
              let size = attributes[.size] as? NSNumber else { return nil }
        return size.int64Value
    }

    /// Links the snapshot path `link` (the repository file `file`) to `blobs/<blob>` with a relative
    /// symlink: `snapshots/<commit>/<a>/<b>/file → ../../(one more per folder)blobs/<blob>`.
    static func link(_ link: URL, toBlob blob: String, file: String) throws {
        try createDirectory(link.deletingLastPathComponent())
        let depth = file.split(separator: "/").count - 1
        let target = String(repeating: "../", count: 2 + depth) + "blobs/" + blob
        try? FileManager.default.removeItem(at: link)  // a dangling link from an interrupted run
        do { try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target) } catch {
            // Another download of the same snapshot may have made it first.
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: link.path)) == target { return }
            throw FlintError.io(path: link.path, message: "cannot create the symlink to \(target): \(error.localizedDescription)")
        }
    }

    static func createDirectory(_ url: URL) throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw FlintError.io(path: url.path, message: "cannot create the folder: \(error.localizedDescription)")
        }
    }

    /// Renames `source` over `destination` (atomic within one file system).
    static func rename(_ source: URL, to destination: URL) throws {
        do { try AtomicFile.rename(source, to: destination) } catch let failure as FileSystemError {
            throw FlintError.io(path: destination.path, message: "cannot rename \(source.lastPathComponent) to it: \(failure.reason)")
        }
    }

    /// Creates `url`'s folder and replaces `url` with `data` atomically (``FlintSupport/AtomicFile``).
    static func writeAtomically(_ data: Data, to url: URL) throws {
        try createDirectory(url.deletingLastPathComponent())
        do { try AtomicFile.write(data, to: url) } catch let failure as FileSystemError {
            throw FlintError(failure, writing: url)
        }
    }
}
