import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Writes scalars to a TensorBoard event file, like PyTorch's `torch.utils.tensorboard.SummaryWriter`.
///
///     let writer = try TensorBoardWriter(logDirectory: URL(filePath: "runs/bbc-news"))
///     try writer.addScalar(tag: "train/loss", value: loss, step: iteration)
///     try writer.close()
///
/// `init` creates `events.out.tfevents.<%010d unix time>.<hostname>.<pid>.<counter>` in `logDirectory` (the
/// name PyTorch uses) and writes and flushes the first event, `file_version = "brain.Event:2"`. Records
/// (TFRecord framing, see `TFRecordFraming`) are buffered in memory and written once `maximumBufferedBytes`
/// accumulate; `flush()` writes the buffer and fsyncs the file, and so does the first `add` after
/// `flushInterval` seconds without a flush (PyTorch's `flush_secs`, 120 s by default; no background thread).
/// `tensorboard --logdir` reads the directory.
///
/// The writer is thread-safe: a training loop may add scalars while another thread flushes. Calls after
/// `close()` throw.
public final class TensorBoardWriter: Sendable {
    /// The event file being written.
    public let fileURL: URL
    /// Buffered bytes beyond which `add` writes to the file (without fsync).
    public let maximumBufferedBytes: Int
    /// Seconds after a flush beyond which `add` flushes again.
    public let flushInterval: Double

    private struct State {
        var descriptor: Int32
        var buffer: [UInt8] = []
        var lastFlush: ContinuousClock.Instant = .now
    }

    private let state: Mutex<State>

    /// Numbers the files this process creates, as PyTorch's global uid does.
    private static let fileCounter = Atomic<Int>(0)

    /// Creates `logDirectory` (with intermediate directories) if needed, creates a new event file in it and
    /// writes the file-version event. `fileNameSuffix` is appended to the file name, as in PyTorch.
    public init(logDirectory: URL, fileNameSuffix: String = "", maximumBufferedBytes: Int = 64 * 1024,
                flushInterval: Double = 120) throws {
        self.maximumBufferedBytes = maximumBufferedBytes
        self.flushInterval = flushInterval
        do {
            try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        } catch {
            throw TensorBoardWriterError(path: logDirectory.path, operation: "create directory",
                                         reason: error.localizedDescription)
        }
        let now = Date().timeIntervalSince1970
        let counter = Self.fileCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        let seconds = String(Int(now))
        let name = "events.out.tfevents." + String(repeating: "0", count: max(0, 10 - seconds.count)) + seconds
            + ".\(Self.hostName()).\(getpid()).\(counter)\(fileNameSuffix)"
        fileURL = logDirectory.appendingPathComponent(name)
        let descriptor = open(fileURL.path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TensorBoardWriterError(path: fileURL.path, operation: "create", code: errno)
        }
        state = Mutex(State(descriptor: descriptor))
        try add(TensorBoardEvent(wallTime: now, fileVersion: TensorBoardEvent.currentFileVersion))
        try flush()
    }

    deinit {
        try? close()
    }

    /// Adds one scalar, like `SummaryWriter.add_scalar`. `wallTime` defaults to now (seconds since 1970).
    public func addScalar(tag: String, value: Float, step: Int, wallTime: Double? = nil) throws {
        try add(TensorBoardEvent(wallTime: wallTime ?? Date().timeIntervalSince1970, step: Int64(step),
                                 summary: [TensorBoardSummaryValue(tag: tag, simpleValue: value)]))
    }

    /// Adds several scalars of one step as one event.
    public func addScalars(_ values: [(tag: String, value: Float)], step: Int, wallTime: Double? = nil) throws {
        try add(TensorBoardEvent(wallTime: wallTime ?? Date().timeIntervalSince1970, step: Int64(step),
                                 summary: values.map { TensorBoardSummaryValue(tag: $0.tag, simpleValue: $0.value) }))
    }

    /// Appends `event` as one record.
    public func add(_ event: TensorBoardEvent) throws {
        let data = event.serialized()
        try state.withLock { state in
            try checkOpen(state)
            TFRecordFraming.appendRecord(data, to: &state.buffer)
            if state.lastFlush.duration(to: .now) >= .seconds(flushInterval) {
                try flushLocked(&state)
            } else if state.buffer.count >= maximumBufferedBytes {
                try writeBuffer(&state)
            }
        }
    }

    /// Writes every buffered record and fsyncs the file, so they survive a crash.
    public func flush() throws {
        try state.withLock { state in
            try checkOpen(state)
            try flushLocked(&state)
        }
    }

    /// Flushes and closes the file. Closing twice does nothing; adding or flushing after closing throws.
    public func close() throws {
        try state.withLock { state in
            guard state.descriptor >= 0 else { return }
            defer {
                Glibc.close(state.descriptor)
                state.descriptor = -1
                state.buffer = []
            }
            try flushLocked(&state)
        }
    }

    private func flushLocked(_ state: inout State) throws {
        try writeBuffer(&state)
        guard fsync(state.descriptor) == 0 else {
            throw TensorBoardWriterError(path: fileURL.path, operation: "fsync", code: errno)
        }
        state.lastFlush = .now
    }

    private func checkOpen(_ state: State) throws {
        guard state.descriptor >= 0 else {
            throw TensorBoardWriterError(path: fileURL.path, operation: "write", reason: "the writer is closed")
        }
    }

    private func writeBuffer(_ state: inout State) throws {
        guard !state.buffer.isEmpty else { return }
        let descriptor = state.descriptor
        let path = fileURL.path
        try state.buffer.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let count = Glibc.write(descriptor, raw.baseAddress! + written, raw.count - written)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { throw TensorBoardWriterError(path: path, operation: "write", code: errno) }
                written += count
            }
        }
        state.buffer.removeAll(keepingCapacity: true)
    }

    /// The host name as `socket.gethostname()` returns it in Python.
    private static func hostName() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
