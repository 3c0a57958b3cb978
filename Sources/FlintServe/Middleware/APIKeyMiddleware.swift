import Foundation
import Hummingbird

/// Requires `Authorization: Bearer <key>` with one of the configured keys on every route except the
/// public ones (default /health, /ready, /metrics). Keys are compared in constant time: every byte of
/// every key is looked at whatever the input, so timing does not reveal a matching prefix.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = ServeRequestContext
    let keys: [[UInt8]]
    let publicRoutes: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if keys.isEmpty || publicRoutes.contains(request.uri.path) {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              Self.matches(Array(header.utf8.dropFirst(7)), keys) else {
            throw APIError.unauthorized()
        }
        return try await next(request, context)
    }

    /// Whether `candidate` equals one of `keys`, in time that depends only on the lengths.
    static func matches(_ candidate: [UInt8], _ keys: [[UInt8]]) -> Bool {
        var found: UInt8 = 0
        for key in keys {
            var difference = UInt8(truncatingIfNeeded: key.count ^ candidate.count) | (key.count == candidate.count ? 0 : 1)
            for index in 0..<key.count {
                let byte = index < candidate.count ? candidate[index] : 0
                difference |= key[index] ^ byte
            }
            found |= difference == 0 ? 1 : 0
        }
        return found == 1
    }

    /// Keys from a file (one per line; blank lines and `#` comments skipped) and from an environment
    /// variable (comma-separated).
    static func loadKeys(_ auth: ServeConfiguration.Authentication,
                         environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [[UInt8]] {
        var keys: [String] = []
        if let path = auth.apiKeysFile {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ServeConfigurationError(path: path, message: "auth.api_keys_file: cannot read the key file (\(error.localizedDescription))")
            }
            keys += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        if let name = auth.apiKeysEnv, let value = environment[name] {
            keys += value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return keys.map { Array($0.utf8) }
    }
}
