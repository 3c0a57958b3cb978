import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// ``HubTransport`` over `URLSession`: follows redirects (dropping the `Authorization` header when
/// a redirect leaves the original host, so a token is never sent to a storage CDN), streams
/// downloads to disk chunk by chunk, and reports progress.
public final class URLSessionHubTransport: HubTransport {
    /// Seconds without data before a request fails.
    public let timeout: TimeInterval

    /// A transport with the given idle timeout.
    public init(timeout: TimeInterval = 60) {
        self.timeout = timeout
    }

    /// Sends a GET request and returns the whole response (see ``HubTransport/get(_:)``).
    public func get(_ request: URLRequest) throws -> HubResponse {
        try run(request, destination: nil, progress: nil)
    }

    /// Streams a GET response into `destination` (see ``HubTransport/download(_:to:progress:)``).
    public func download(_ request: URLRequest, to destination: URL, progress: @escaping @Sendable (Int64, Int64?) -> Void) throws -> HubResponse {
        try run(request, destination: destination, progress: progress)
    }

    private func run(_ request: URLRequest, destination: URL?, progress: (@Sendable (Int64, Int64?) -> Void)?) throws -> HubResponse {
        var request = request
        request.timeoutInterval = timeout
        let delegate = TransferDelegate(destination: destination, originalHost: request.url?.host, progress: progress)
        let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: request).resume()
        return try delegate.wait(url: request.url?.absoluteString ?? "?")
    }
}

/// Collects one transfer's response, writing a successful body to a file when one is given.
private final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private let finished = DispatchSemaphore(value: 0)
    private let destination: URL?
    private let originalHost: String?
    private let progress: (@Sendable (Int64, Int64?) -> Void)?
    private var file: FileHandle?
    private var response: HTTPURLResponse?
    private var redirectHeaders: [[String: String]] = []
    private var body = Data()
    private var written: Int64 = 0
    private var expected: Int64?
    private var failure: Error?

    init(destination: URL?, originalHost: String?, progress: (@Sendable (Int64, Int64?) -> Void)?) {
        self.destination = destination
        self.originalHost = originalHost
        self.progress = progress
    }

    static func headers(of response: HTTPURLResponse) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in response.allHeaderFields {
            result["\(key)".lowercased()] = "\(value)"
        }
        return result
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        var next = request
        if next.url?.host != originalHost { next.setValue(nil, forHTTPHeaderField: "Authorization") }
        lock.withLock { redirectHeaders.append(TransferDelegate.headers(of: response)) }
        completionHandler(next)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let proceed: Bool = lock.withLock {
            self.response = response as? HTTPURLResponse
            expected = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
            if let destination, let status = self.response?.statusCode, (200..<300).contains(status) {
                if FileManager.default.createFile(atPath: destination.path, contents: nil),
                   let handle = try? FileHandle(forWritingTo: destination) {
                    file = handle
                } else {
                    failure = CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path])
                }
            }
            return failure == nil
        }
        completionHandler(proceed ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let report: (Int64, Int64?)? = lock.withLock {
            guard failure == nil else { return nil }
            if let file {
                do { try file.write(contentsOf: data) } catch {
                    failure = error
                    dataTask.cancel()
                    return nil
                }
                written += Int64(data.count)
                return (written, expected)
            }
            if body.count < 1 << 26 { body.append(data) }
            return nil
        }
        if let report { progress?(report.0, report.1) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.withLock {
            if failure == nil, let error { failure = error }
            try? file?.close()
            file = nil
        }
        finished.signal()
    }

    func wait(url: String) throws -> HubResponse {
        finished.wait()
        return try lock.withLock {
            if let failure { throw HubError.requestFailed(url: url, status: response?.statusCode ?? 0, message: "\(failure.localizedDescription)") }
            guard let response else { throw HubError.requestFailed(url: url, status: 0, message: "no HTTP response") }
            return HubResponse(statusCode: response.statusCode, headers: TransferDelegate.headers(of: response),
                               redirectHeaders: redirectHeaders, body: body)
        }
    }
}
