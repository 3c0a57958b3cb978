import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import Testing
import Flint
@testable import FlintModels

/// A minimal HTTP/1.1 server on 127.0.0.1 (an ephemeral port) for testing the URLSession transport:
/// one request per connection, fixed routes, and it stops by itself (after `stop()` or 30 s).
final class LoopbackHTTPServer: @unchecked Sendable {
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
    }

    /// A request as received: the path and the headers (keys lowercased).
    struct Received {
        let path: String
        let headers: [String: String]
    }

    let port: UInt16
    private let socketDescriptor: Int32
    private let routes: @Sendable (String, UInt16) -> Reply
    private let lock = NSLock()
    private var stopped = false
    private var log: [Received] = []
    private let finished = DispatchSemaphore(value: 0)

    init(routes: @escaping @Sendable (_ path: String, _ port: UInt16) -> Reply) throws {
        self.routes = routes
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FlintError.io(path: "socket", message: "cannot create") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw FlintError.io(path: "socket", message: "cannot bind or listen")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        socketDescriptor = descriptor
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var received: [Received] { lock.withLock { log } }

    func stop() {
        lock.withLock { stopped = true }
        finished.wait()
    }

    private func serve() {
        let deadline = Date().addingTimeInterval(30)
        while !lock.withLock({ stopped }) && Date() < deadline {
            var poller = pollfd(fd: socketDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let connection = accept(socketDescriptor, nil, nil)
            guard connection >= 0 else { continue }
            handle(connection)
            close(connection)
        }
        close(socketDescriptor)
        finished.signal()
    }

    private func handle(_ connection: Int32) {
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while !request.suffix(4).elementsEqual([13, 10, 13, 10]) && request.count < 65536 {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            request += buffer[..<count]
        }
        let lines = String(decoding: request, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let path = String(parts[1])
        lock.withLock { log.append(Received(path: path, headers: headers)) }
        let reply = routes(path, port)
        var head = "HTTP/1.1 \(reply.status) \(reply.status == 200 ? "OK" : reply.status == 302 ? "Found" : "Error")\r\n"
        for (key, value) in reply.headers { head += "\(key): \(value)\r\n" }
        head += "Content-Length: \(reply.body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + Array(reply.body)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            sent += count
        }
    }
}

/// The URLSession transport against a loopback server: redirects, token handling, streaming to disk.
@Suite(.timeLimit(.minutes(1))) struct HubTransportTests {
    @Test func downloadsThroughTheNetworkStackIntoTheCache() throws {
        let commit = "0123456789abcdef0123456789abcdef01234567"
        let weightsFolder = try HubFixtures.temporaryFolder("loopback-weights")
        defer { try? FileManager.default.removeItem(at: weightsFolder) }
        try SafeTensors.save(ModelFolderTests.sampleWeights(), to: weightsFolder.appendingPathComponent("model.safetensors"))
        let weights = try Data(contentsOf: weightsFolder.appendingPathComponent("model.safetensors"))
        let configuration = Data(ModelFolderTests.bertConfiguration.utf8)
        let sha256 = String(repeating: "e", count: 64)
        let server = try LoopbackHTTPServer { path, port in
            switch path {
            case "/api/models/org/tiny/revision/main?blobs=true":
                let json = #"{"sha":"\#(commit)","siblings":[{"rfilename":"config.json"},{"rfilename":"model.safetensors"},{"rfilename":"tf_model.h5"}]}"#
                return .init(status: 200, headers: ["Content-Type": "application/json"], body: Data(json.utf8))
            case "/org/tiny/resolve/\(commit)/config.json":
                return .init(status: 200, headers: ["ETag": "\"c0ffee\""], body: configuration)
            case "/org/tiny/resolve/\(commit)/model.safetensors":
                // LFS files redirect to storage on another host, as on the Hub.
                return .init(status: 302, headers: ["Location": "http://localhost:\(port)/storage/\(sha256)",
                                                    "X-Linked-Etag": "\"\(sha256)\"", "ETag": "\"gitsha\""], body: Data())
            case "/storage/\(sha256)":
                return .init(status: 200, headers: ["ETag": "\"storage-etag\""], body: weights)
            default:
                return .init(status: 404, headers: [:], body: Data("Entry not found".utf8))
            }
        }
        let cacheFolder = try HubFixtures.temporaryFolder("loopback-cache")
        defer { try? FileManager.default.removeItem(at: cacheFolder) }
        let downloader = HubDownloader(cache: HubCache(directory: cacheFolder),
                                       environment: ["HF_ENDPOINT": "http://127.0.0.1:\(server.port)", "HF_TOKEN": "hf_test"],
                                       transport: URLSessionHubTransport(timeout: 10))
        let folder: ModelFolder
        do {
            folder = try downloader.download("org/tiny")
            let missing = try #require(throws: HubError.self) { try downloader.download("org/absent") }
            #expect(missing.description.contains("HTTP 404"))
        } catch {
            server.stop()
            throw error
        }
        server.stop()

        ModelFolderTests.expectSameWeights(try folder.loadWeights(), ModelFolderTests.sampleWeights())
        let snapshot = cacheFolder.appendingPathComponent("models--org--tiny/snapshots/\(commit)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: snapshot.appendingPathComponent("model.safetensors").path)
                == "../../blobs/\(sha256)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: snapshot.appendingPathComponent("config.json").path)
                == "../../blobs/c0ffee")
        let received = server.received
        #expect(received.map(\.path).contains("/storage/\(sha256)"))
        #expect(!received.map(\.path).contains { $0.contains("tf_model.h5") })
        // The token goes to the Hub, never to the storage host the redirect leads to.
        for request in received {
            let token = request.headers["authorization"]
            #expect(request.path.hasPrefix("/storage/") ? token == nil : token == "Bearer hf_test", "\(request.path): \(token ?? "no token")")
        }
    }
}
