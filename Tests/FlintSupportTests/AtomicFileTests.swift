import Foundation
import Testing
import FlintSupport

@Suite struct AtomicFileTests {
    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flint-atomic-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func entries(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test func writeReplacesTheFileAndLeavesNoTemporary() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("state.json")
        try AtomicFile.write(Data("old".utf8), to: url)
        try AtomicFile.write(Data("new contents".utf8), to: url)
        #expect(try Data(contentsOf: url) == Data("new contents".utf8))
        try AtomicFile.write([UInt8](), to: url)
        #expect(try Data(contentsOf: url).isEmpty)
        #expect(try entries(folder) == ["state.json"])
    }

    @Test func streamedWriterCommitsAllPieces() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("weights.bin")
        let writer = try AtomicFile.writer(to: url)
        #expect(writer.temporary.deletingLastPathComponent().path == folder.path)
        #expect(writer.temporary.lastPathComponent.hasPrefix(".weights.bin."))
        try writer.write([1, 2, 3] as [UInt8])
        #expect(!FileManager.default.fileExists(atPath: url.path))  // nothing at the target before commit
        let big = [UInt8](repeating: 7, count: 3 << 20)
        try writer.write(big)
        try writer.commit()
        #expect(try Data(contentsOf: url) == Data([1, 2, 3] + big))
        #expect(try entries(folder) == ["weights.bin"])
    }

    @Test func discardAndDroppingAnUncommittedWriterLeaveTheOldFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try AtomicFile.write(Data("old".utf8), to: url)
        let writer = try AtomicFile.writer(to: url)
        try writer.write(Data("half".utf8))
        writer.discard()
        do {
            let dropped = try AtomicFile.writer(to: url)
            try dropped.write(Data("half again".utf8))
        }
        #expect(try Data(contentsOf: url) == Data("old".utf8))
        #expect(try entries(folder) == ["model.safetensors"])
    }

    /// A failed rename (the target is a non-empty folder) throws naming the file and removes the temporary.
    @Test func failedWriteThrowsAndLeavesNoTemporaryFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: url.appendingPathComponent("inside"), withIntermediateDirectories: true)
        do {
            try AtomicFile.write(Data("x".utf8), to: url)
            Issue.record("expected an error")
        } catch let error as FileSystemError {
            #expect(error.operation.hasPrefix("rename to \(url.path)"))
            #expect("\(error)".contains("failed: "))
        }
        #expect(try entries(folder) == ["taken"])
    }

    @Test func missingFolderThrowsNamingIt() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flint-missing-\(UUID().uuidString)/file.json")
        do {
            try AtomicFile.write(Data("x".utf8), to: url)
            Issue.record("expected an error")
        } catch let error as FileSystemError {
            #expect(error.path.hasPrefix(url.deletingLastPathComponent().path + "/.file.json."))
            #expect(error.operation == "create")
            #expect(error.code == ENOENT)
        }
        #expect(throws: FileSystemError.self) { try AtomicFile.synchronizeDirectory(url.deletingLastPathComponent()) }
    }
}
