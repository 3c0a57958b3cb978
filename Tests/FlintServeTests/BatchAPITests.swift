import Foundation
import Testing
import FlintSupport
import FlintTestSupport
import Hummingbird
import HummingbirdTesting
@testable import FlintServe

/// OpenAI's Files and Batch APIs on SmolLM2: upload, the status lifecycle, output and error files in OpenAI's
/// line format, validation failures, cancelling, and a batch that continues after a restart.
extension LLMServingTests {
@Suite(.serialized) struct BatchAPITests {
    static func server(data: URL) throws -> FlintServer {
        var configuration = ServeConfiguration()
        configuration.chatModels = [ChatModelSpecification(name: "smollm2", source: try TestModels.smolLM2.path, contextSize: 512)]
        configuration.dataDirectory = data.path
        return try FlintServer(configuration: configuration)
    }

    static func upload(_ client: any TestClientProtocol, _ lines: [String], purpose: String = "batch") async throws -> TestResponse {
        let boundary = "flint-test-boundary"
        let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n\(purpose)\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"input.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n"
            + lines.joined(separator: "\n") + "\n\r\n--\(boundary)--\r\n"
        return try await client.execute(uri: "/v1/files", method: .post, headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                                        body: ByteBuffer(string: body))
    }

    static func chatLine(_ id: String, _ body: String) -> String {
        #"{"custom_id": "\#(id)", "method": "POST", "url": "/v1/chat/completions", "body": \#(body)}"#
    }

    /// Polls the batch until it leaves the open states (at most ~60 s).
    static func wait(_ client: any TestClientProtocol, _ id: String) async throws -> [String: Any] {
        for _ in 0..<600 {
            let batch = try await client.get("/v1/batches/\(id)").json
            if let status = batch["status"] as? String, !["validating", "in_progress", "finalizing", "cancelling"].contains(status) { return batch }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("batch \(id) did not finish")
        return [:]
    }

    @Test func batchRunsToCompletedWithOutputAndErrorFiles() async throws {
        let data = ServeFixtures.scratch("batch")
        defer { try? FileManager.default.removeItem(at: data) }
        try await withServer(try Self.server(data: data)) { client in
            let lines = [
                Self.chatLine("cats", #"{"model": "smollm2", "messages": [{"role": "user", "content": "Write one sentence about cats."}], "temperature": 0}"#),
                Self.chatLine("bad", #"{"messages": [{"role": "user", "content": "Hi"}], "temperature": 5}"#),
                Self.chatLine("short", #"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 3}"#),
            ]
            let file = try await Self.upload(client, lines)
            #expect(file.status == .ok)
            let fileID = try #require(file.json["id"] as? String)
            #expect(file.json["purpose"] as? String == "batch" && file.json["object"] as? String == "file")
            #expect(try await client.get("/v1/files/\(fileID)/content").text == lines.joined(separator: "\n") + "\n")
            let created = try await client.post("/v1/batches", #"{"input_file_id": "\#(fileID)", "endpoint": "/v1/chat/completions", "completion_window": "24h", "metadata": {"job": "test"}}"#)
            #expect(created.status == .ok)
            #expect(created.json["status"] as? String == "validating" && created.json["object"] as? String == "batch")
            let id = try #require(created.json["id"] as? String)
            let batch = try await Self.wait(client, id)
            #expect(batch["status"] as? String == "completed")
            #expect(batch["request_counts"] as? [String: Int] == ["total": 3, "completed": 2, "failed": 1])
            #expect((batch["metadata"] as? [String: String])?["job"] == "test")
            for key in ["in_progress_at", "finalizing_at", "completed_at"] { #expect(batch[key] is Int, "\(key)") }
            let output = try await client.get("/v1/files/\(try #require(batch["output_file_id"] as? String))/content").text
            let results = output.split(separator: "\n").map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
            #expect(results.map { $0["custom_id"] as? String } == ["cats", "short"])
            let first = try #require(results.first?["response"] as? [String: Any])
            #expect(first["status_code"] as? Int == 200)
            let message = ((first["body"] as? [String: Any])?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any]
            #expect(message?["content"] as? String == ChatCompletionsTests.catsAnswer)
            #expect(results.allSatisfy { ($0["id"] as? String)?.hasPrefix("batch_req_") == true && $0["error"] is NSNull })
            let errors = try await client.get("/v1/files/\(try #require(batch["error_file_id"] as? String))/content").text
            let failed = try #require((try? JSONSerialization.jsonObject(with: Data(errors.utf8))) as? [String: Any])
            #expect(failed["custom_id"] as? String == "bad")
            let response = try #require(failed["response"] as? [String: Any])
            #expect(response["status_code"] as? Int == 400)
            #expect(((response["body"] as? [String: Any])?["error"] as? [String: Any])?["param"] as? String == "temperature")
            // Listing, and a finished batch cannot be cancelled.
            #expect((try await client.get("/v1/batches?limit=5").json["data"] as? [[String: Any]])?.first?["id"] as? String == id)
            #expect(try await client.post("/v1/batches/\(id)/cancel", "").status == .conflict)
        }
    }

    @Test func invalidInputsFailValidationAndBadUploadsAreRefused() async throws {
        let data = ServeFixtures.scratch("batch-invalid")
        defer { try? FileManager.default.removeItem(at: data) }
        try await withServer(try Self.server(data: data)) { client in
            let lines = [Self.chatLine("a", "{}"), Self.chatLine("a", "{}"),
                         #"{"custom_id": "c", "method": "POST", "url": "/v1/embeddings", "body": {}}"#, "not json"]
            let fileID = try #require(try await Self.upload(client, lines).json["id"] as? String)
            let id = try #require(try await client.post("/v1/batches", #"{"input_file_id": "\#(fileID)", "endpoint": "/v1/chat/completions"}"#).json["id"] as? String)
            let batch = try await Self.wait(client, id)
            #expect(batch["status"] as? String == "failed")
            let errors = ((batch["errors"] as? [String: Any])?["data"] as? [[String: Any]]) ?? []
            #expect(errors.compactMap { $0["code"] as? String } == ["duplicate_custom_id", "mismatched_endpoint", "invalid_json_line"])
            #expect(errors.compactMap { $0["line"] as? Int } == [2, 3, 4])

            #expect(try await Self.upload(client, ["{}"], purpose: "fine-tune").status == .badRequest)
            let noBoundary = try await client.execute(uri: "/v1/files", method: .post, headers: [.contentType: "multipart/form-data; boundary=x"],
                                                      body: ByteBuffer(string: "junk"))
            #expect(noBoundary.status == .badRequest && noBoundary.errorCode == "invalid_multipart")
            #expect(try await client.post("/v1/batches", #"{"input_file_id": "file-nope", "endpoint": "/v1/chat/completions"}"#).status == .notFound)
            #expect(try await client.post("/v1/batches", #"{"input_file_id": "\#(fileID)", "endpoint": "/v1/moderations"}"#).status == .badRequest)
            #expect(try await client.get("/v1/files/..%2F..%2Fetc").status == .notFound)
            #expect(try await client.execute(uri: "/v1/files/\(fileID)", method: .delete).status == .ok)
            #expect(try await client.get("/v1/files/\(fileID)").status == .notFound)
        }
    }

    /// Cancelling a running batch: it stops at the next request, keeps what was done, and ends `cancelled`.
    @Test func cancellingKeepsWhatWasDone() async throws {
        let data = ServeFixtures.scratch("batch-cancel")
        defer { try? FileManager.default.removeItem(at: data) }
        try await withServer(try Self.server(data: data)) { client in
            let lines = (0..<40).map { Self.chatLine("r\($0)", #"{"messages": [{"role": "user", "content": "Tell a story."}], "max_tokens": 16, "ignore_eos": true}"#) }
            let fileID = try #require(try await Self.upload(client, lines).json["id"] as? String)
            let id = try #require(try await client.post("/v1/batches", #"{"input_file_id": "\#(fileID)", "endpoint": "/v1/chat/completions"}"#).json["id"] as? String)
            for _ in 0..<600 {
                let counts = try await client.get("/v1/batches/\(id)").json["request_counts"] as? [String: Int]
                if (counts?["completed"] ?? 0) >= 1 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let cancelling = try await client.post("/v1/batches/\(id)/cancel", "")
            #expect(cancelling.status == .ok && cancelling.json["status"] as? String == "cancelling")
            let batch = try await Self.wait(client, id)
            #expect(batch["status"] as? String == "cancelled")
            let done = (batch["request_counts"] as? [String: Int])?["completed"] ?? 0
            #expect(done >= 1 && done < 40, "completed \(done)")
            let output = try await client.get("/v1/files/\(try #require(batch["output_file_id"] as? String))/content").text
            #expect(output.split(separator: "\n").count == done)
        }
    }

    /// A batch interrupted after its first request (progress saved, a half-written line after it in the partial
    /// output) continues at the next start: the torn bytes are dropped and only the second request runs.
    @Test func anInterruptedBatchContinuesAfterARestart() async throws {
        let data = ServeFixtures.scratch("batch-resume")
        defer { try? FileManager.default.removeItem(at: data) }
        let files = try OpenAIFileStore(folder: data.appendingPathComponent("files"))
        let store = try OpenAIBatchStore(folder: data.appendingPathComponent("batches"))
        let input = try files.create(content: Data((Self.chatLine("one", #"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}"#) + "\n"
            + Self.chatLine("two", #"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}"#) + "\n").utf8), filename: "in.jsonl", purpose: "batch")
        var batch = OpenAIBatchObject(id: "batch_resume", endpoint: "/v1/chat/completions", inputFileID: input.id, completionWindow: "24h",
                                      status: "in_progress", createdAt: 1, inProgressAt: 1)
        batch.requestCounts = .init(total: 2, completed: 1, failed: 0)
        try store.save(batch)
        let done = #"{"custom_id": "one", "response": {"status_code": 200}}"# + "\n"
        try Data((done + #"{"custom_id": "torn"#).utf8).write(to: data.appendingPathComponent("batches/batch_resume.output.partial"))
        try store.saveProgress("batch_resume", .init(nextLine: 1, outputBytes: done.utf8.count, errorBytes: 0))
        try await withServer(try Self.server(data: data)) { client in
            let finished = try await Self.wait(client, "batch_resume")
            #expect(finished["status"] as? String == "completed")
            #expect(finished["request_counts"] as? [String: Int] == ["total": 2, "completed": 2, "failed": 0])
            let output = try await client.get("/v1/files/\(try #require(finished["output_file_id"] as? String))/content").text
            let ids = output.split(separator: "\n").map { ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["custom_id"] as? String }
            #expect(ids == ["one", "two"])
        }
    }

    /// `flint batch --openai-batch` on the real binary: the same lines as the server's batch, refusing to overwrite
    /// a finished output without --restart, and a clear error naming the bad lines of an invalid file.
    @Test func offlineOpenAIBatchCommand() throws {
        let folder = ServeFixtures.scratch("batch-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("in.jsonl"), output = folder.appendingPathComponent("out.jsonl")
        try ([Self.chatLine("cats", #"{"model": "smollm2", "messages": [{"role": "user", "content": "Write one sentence about cats."}], "temperature": 0}"#),
              Self.chatLine("bad", #"{"model": "smollm2", "messages": [], "temperature": 0}"#)].joined(separator: "\n") + "\n")
            .write(to: input, atomically: true, encoding: .utf8)
        let model = "smollm2=" + (try TestModels.smolLM2.path)
        let run = try FlintBinary.run(["batch", "--openai-batch", input.path, "--output", output.path, "--chat-model", model])
        #expect(run.status == 0 && !run.signaled, "\(run.standardError)")
        #expect(run.standardOutput.contains("2 requests, 1 ok, 1 failed"))
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let first = try #require((try? JSONSerialization.jsonObject(with: Data(lines[0].utf8))) as? [String: Any])
        let message = (((first["response"] as? [String: Any])?["body"] as? [String: Any])?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any]
        #expect(first["custom_id"] as? String == "cats" && message?["content"] as? String == ChatCompletionsTests.catsAnswer)
        let errors = try String(contentsOf: URL(fileURLWithPath: output.path + ".errors.jsonl"), encoding: .utf8)
        #expect(errors.contains("\"custom_id\": \"bad\"") && errors.contains("\"status_code\": 400"))
        #expect(!FileManager.default.fileExists(atPath: output.path + ".flint-batch"))
        let again = try FlintBinary.run(["batch", "--openai-batch", input.path, "--output", output.path, "--chat-model", model])
        #expect(again.status == 1 && again.standardError.contains("--restart"))

        try "{\"custom_id\": \"x\"}\nnot json\n".write(to: input, atomically: true, encoding: .utf8)
        let invalid = try FlintBinary.run(["batch", "--openai-batch", input.path, "--output", output.path, "--chat-model", model, "--restart"])
        #expect(invalid.status == 1 && !invalid.signaled)
        #expect(invalid.standardError.contains(input.path) && invalid.standardError.contains("line 2: invalid_json_line"), "\(invalid.standardError)")
    }
}
}
