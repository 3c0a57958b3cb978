import Foundation
import Testing
import Hummingbird
import HummingbirdTesting
@testable import FlintServe

/// Regression tests for the server bugs the OpenAPI contract run found: each answer must be the
/// documented 4xx JSON, never a 2xx for input the contract forbids, never a 5xx.
@Suite struct HTTPContractTests {
    @Test("a Content-Type other than JSON is 415 unsupported_media_type; JSON types with parameters and a missing one are read")
    func contentTypeIsChecked() async throws {
        let directory = ServeFixtures.scratch("content-type")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeFixtures.server(directory)
        try await withServer(server) { client in
            let body = ByteBuffer(string: #"{"text": "good"}"#)
            for type in ["text/plain", "application/xml", "multipart/form-data", "application/x-www-form-urlencoded"] {
                let response = try await client.execute(uri: "/predict", method: .post, headers: [.contentType: type], body: body)
                #expect(response.status == .unsupportedMediaType, "\(type)")
                #expect(response.errorCode == "unsupported_media_type", "\(type)")
            }
            for type in ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"] {
                let response = try await client.execute(uri: "/predict", method: .post, headers: [.contentType: type], body: body)
                #expect(response.status == .ok, "\(type)")
            }
            #expect(try await client.execute(uri: "/predict", method: .post, body: body).status == .ok)
        }
    }

    @Test("a text is empty when every Unicode scalar is white space: U+3000 alone is 422, a space with a combining mark is a text")
    func emptyTextByScalars() async throws {
        let directory = ServeFixtures.scratch("empty-text")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeFixtures.server(directory)
        try await withServer(server) { client in
            for text in ["\\u3000", "\\u2003 \\t", "\\u0085", "\\r\\n"] {
                let response = try await client.post("/predict", #"{"text": "\#(text)"}"#)
                #expect(response.status == .unprocessableContent && response.errorCode == "empty_text", "\(text)")
            }
            for text in [" \\u0301", "\\u001f", "\\u200b"] {
                #expect(try await client.post("/predict", #"{"text": "\#(text)"}"#).status == .ok, "\(text)")
            }
        }
    }
}
