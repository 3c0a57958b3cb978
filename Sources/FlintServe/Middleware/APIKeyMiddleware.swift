import Foundation
import Hummingbird
import HTTPTypes

/// Requires `Authorization: Bearer <key>` (or Azure OpenAI's `api-key: <key>`) with one of the configured keys on every route except the
/// public ones (default /health, /ready, /metrics, /openapi.json). Keys are compared in constant time:
/// every byte of every key is looked at whatever the input, so timing does not reveal a matching prefix.
///
/// A request is public when the route it *matched* (Hummingbird's endpoint pattern, e.g.
/// `/v1/models/{name}`) is listed, never because of how its raw path is spelled: `/admin/reload/` or
/// `//feedback` reach the same handlers and need a key like them. A request that matched no route needs
/// a key too (so an unknown path answers 401, not 404, to a client without one).
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = ServeRequestContext
    let keys: [[UInt8]]
    let publicRoutes: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if keys.isEmpty || context.endpointPath.map(publicRoutes.contains) == true {
            return try await next(request, context)
        }
        // Azure OpenAI clients send the key as `api-key`; OpenAI clients as a bearer token.
        let bearer = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? Array($0.utf8.dropFirst(7)) : nil }
        let azure = HTTPField.Name("api-key").flatMap { request.headers[$0] }.map { Array($0.utf8) }
        guard let candidate = bearer ?? azure, Self.matches(candidate, keys) else {
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
    /// variable (comma-separated). A named variable that is not set, or a file or variable that holds no
    /// key, is an error naming it: a server told to use keys never starts without them.
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
            let fileKeys = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            if fileKeys.isEmpty {
                throw ServeConfigurationError(path: path, message: "auth.api_keys_file: the key file holds no API key (one per line)")
            }
            keys += fileKeys
        }
        if let name = auth.apiKeysEnv {
            guard let value = environment[name] else {
                throw ServeConfigurationError(path: "auth.api_keys_env",
                    message: "the environment variable \(name) is not set: set it to comma-separated API keys, or remove api_keys_env / --api-keys-env (refusing to start without the keys it names)")
            }
            let environmentKeys = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if environmentKeys.isEmpty {
                throw ServeConfigurationError(path: "auth.api_keys_env",
                                              message: "the environment variable \(name) holds no API key (comma-separated)")
            }
            keys += environmentKeys
        }
        return keys.map { Array($0.utf8) }
    }
}
