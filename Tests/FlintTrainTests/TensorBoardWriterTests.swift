import Foundation
import Testing
import FlintData
import FlintTrain

/// The writer's files: PyTorch's naming, the file-version record first, scalars read back exactly, and
/// concurrent adds and flushes losing nothing.
@Suite("TensorBoard writer")
struct TensorBoardWriterTests {
    @Test("File name follows PyTorch: events.out.tfevents.<10-digit time>.<host>.<pid>.<counter>")
    func fileName() throws {
        let directory = try TensorBoardTestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = Int(Date().timeIntervalSince1970)
        let first = try TensorBoardWriter(logDirectory: directory.appendingPathComponent("run/a"))
        let second = try TensorBoardWriter(logDirectory: directory.appendingPathComponent("run/a"), fileNameSuffix: ".v2")
        try first.close()
        try second.close()
        let parts = first.fileURL.lastPathComponent.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count >= 7)
        #expect(parts[0...2] == ["events", "out", "tfevents"])
        #expect(parts[3].count == 10)
        let seconds = try #require(Int(parts[3]))
        #expect(seconds >= before && seconds <= Int(Date().timeIntervalSince1970))
        #expect(parts[parts.count - 2] == "\(ProcessInfo.processInfo.processIdentifier)")
        let counter = try #require(Int(parts[parts.count - 1]))
        // Other tests create writers concurrently, so the second counter is larger, not necessarily counter + 1.
        let secondParts = second.fileURL.lastPathComponent.split(separator: ".")
        #expect(secondParts.last == "v2")
        #expect(try #require(Int(secondParts[secondParts.count - 2])) > counter)
        #expect(first.fileURL != second.fileURL)
        #expect(FileManager.default.fileExists(atPath: second.fileURL.path))
    }

    @Test("The first record is the file-version event, flushed by init")
    func fileVersionFirst() throws {
        let directory = try TensorBoardTestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = Date().timeIntervalSince1970
        let writer = try TensorBoardWriter(logDirectory: directory)
        // Read while the writer is still open: init has flushed the first record.
        let events = try TensorBoardEventReader.events(in: writer.fileURL)
        #expect(events.count == 1)
        #expect(events[0].fileVersion == "brain.Event:2")
        #expect(events[0].step == 0 && events[0].summary == nil)
        #expect(events[0].wallTime >= before.rounded(.down) && events[0].wallTime <= Date().timeIntervalSince1970)
        try writer.close()
    }

    @Test("Scalars round-trip: tag, value bits, step and wall time")
    func roundTrip() throws {
        let directory = try TensorBoardTestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try TensorBoardWriter(logDirectory: directory)
        let values: [Float] = [2.302585, 1.5, 0, -0.0, .infinity, Float.leastNonzeroMagnitude, 3.4e38]
        for (step, value) in values.enumerated() {
            try writer.addScalar(tag: "train/loss", value: value, step: step * 10, wallTime: 1_000 + Double(step))
        }
        try writer.addScalars([("lr", 0.001), ("accuracy", 0.75)], step: 70, wallTime: 2_000)
        try writer.addScalar(tag: "unicode/ñ→✓", value: .nan, step: -1, wallTime: 3_000)
        try writer.close()
        try writer.close()  // Closing twice is harmless.

        let events = try TensorBoardEventReader.events(in: writer.fileURL)
        #expect(events.count == values.count + 3)
        #expect(events[0].fileVersion == TensorBoardEvent.currentFileVersion)
        for (step, value) in values.enumerated() {
            let event = events[step + 1]
            #expect(event.step == Int64(step * 10))
            #expect(event.wallTime == 1_000 + Double(step))
            #expect(event.summary?.count == 1)
            #expect(event.summary?.first?.tag == "train/loss")
            #expect(event.summary?.first?.simpleValue?.bitPattern == value.bitPattern)
        }
        #expect(events[values.count + 1].summary == [TensorBoardSummaryValue(tag: "lr", simpleValue: 0.001),
                                                     TensorBoardSummaryValue(tag: "accuracy", simpleValue: 0.75)])
        let last = events[values.count + 2]
        #expect(last.step == -1 && last.wallTime == 3_000)
        #expect(last.summary?.first?.tag == "unicode/ñ→✓")
        #expect(last.summary?.first?.simpleValue?.isNaN == true)
    }

    @Test("Records stay in memory until the buffer fills or flush() runs")
    func buffering() throws {
        let directory = try TensorBoardTestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try TensorBoardWriter(logDirectory: directory, maximumBufferedBytes: 1_000)
        let afterInit = try fileSize(writer.fileURL)
        try writer.addScalar(tag: "loss", value: 1, step: 1)
        #expect(try fileSize(writer.fileURL) == afterInit)
        try writer.flush()
        let afterFlush = try fileSize(writer.fileURL)
        #expect(afterFlush > afterInit)
        for step in 0..<100 { try writer.addScalar(tag: "loss", value: 1, step: step) }
        #expect(try fileSize(writer.fileURL) > afterFlush)  // The 1 000-byte buffer overflowed.
        try writer.close()
        #expect(try TensorBoardEventReader.events(in: writer.fileURL).count == 102)
    }

    @Test("add flushes once flushInterval has passed since the last flush")
    func flushInterval() throws {
        let directory = try TensorBoardTestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try TensorBoardWriter(logDirectory: directory, flushInterval: 0)
        let afterInit = try fileSize(writer.fileURL)
        try writer.addScalar(tag: "loss", value: 1, step: 1)
        #expect(try fileSize(writer.fileURL) > afterInit)
        try writer.close()
    }

    @Test("Adding after close throws, naming the file")
    func addAfterClose() throws {
        let directory = try TensorBoardTestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try TensorBoardWriter(logDirectory: directory)
        try writer.close()
        #expect(throws: TensorBoardWriterError(path: writer.fileURL.path, operation: "write", reason: "the writer is closed")) {
            try writer.addScalar(tag: "loss", value: 1, step: 1)
        }
        #expect(throws: TensorBoardWriterError.self) { try writer.flush() }
    }

    @Test("Concurrent adds and flushes lose and corrupt nothing")
    func concurrency() async throws {
        let directory = try TensorBoardTestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try TensorBoardWriter(logDirectory: directory, maximumBufferedBytes: 512)
        let producers = 4, perProducer = 500
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    for k in 0..<perProducer {
                        try writer.addScalar(tag: "producer\(producer)", value: Float(k), step: k)
                    }
                }
            }
            group.addTask {
                for _ in 0..<50 { try writer.flush() }
            }
            try await group.waitForAll()
        }
        try writer.close()
        let events = try TensorBoardEventReader.events(in: writer.fileURL)
        #expect(events.count == 1 + producers * perProducer)
        for producer in 0..<producers {
            let steps = events.compactMap { event -> Int64? in
                guard let value = event.summary?.first, value.tag == "producer\(producer)" else { return nil }
                #expect(value.simpleValue == Float(event.step))
                return event.step
            }
            #expect(steps == (0..<Int64(perProducer)).map { $0 })  // In order within each producer.
        }
    }

    /// Writes a small two-run log. With `FLINT_TENSORBOARD_SAMPLE_LOGDIR` set, the log is kept there so that
    /// `scripts/check-tensorboard.py` can read it with TensorBoard's own EventAccumulator.
    @Test("A sample log of two runs (kept in $FLINT_TENSORBOARD_SAMPLE_LOGDIR when set)")
    func sampleLog() throws {
        let keep = ProcessInfo.processInfo.environment["FLINT_TENSORBOARD_SAMPLE_LOGDIR"]
        let directory = try keep.map { URL(fileURLWithPath: $0) } ?? TensorBoardTestDirectory.make()
        defer { if keep == nil { try? FileManager.default.removeItem(at: directory) } }
        for (run, rate) in [("lr-0.1", Float(0.1)), ("lr-0.01", Float(0.01))] {
            let writer = try TensorBoardWriter(logDirectory: directory.appendingPathComponent(run))
            var loss: Float = 2.5
            for step in 0..<5 {
                try writer.addScalar(tag: "train/loss", value: loss, step: step * 100)
                loss *= 1 - rate * 5
            }
            try writer.addScalars([("validation/accuracy", 0.5 + rate), ("validation/loss", loss)], step: 500)
            try writer.close()
            let events = try TensorBoardEventReader.events(in: writer.fileURL)
            #expect(events.count == 7)
            #expect(events.last?.summary?.map(\.tag) == ["validation/accuracy", "validation/loss"])
        }
    }

    private func fileSize(_ url: URL) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
    }
}

/// Fresh directories for the TensorBoard tests.
enum TensorBoardTestDirectory {
    /// A new empty directory under the system temporary directory.
    static func make() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flint-tensorboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
