import ArgumentParser
import Foundation
import FlintModels
#if canImport(Glibc)
import Glibc
#endif

/// `flint download ORG/NAME`: fetches a model from the Hugging Face Hub into the Hub cache.
struct DownloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a model from the Hugging Face Hub into the Hub cache (HF_HOME/hub).",
        discussion: """
            Fetches config, tokenizer and safetensors files (pytorch_model.bin only when there are no \
            safetensors) into models--ORG--NAME/{blobs,snapshots,refs}, the layout transformers uses; \
            files already there are skipped. HF_TOKEN is sent for gated or private models; HF_ENDPOINT \
            replaces https://huggingface.co. Afterwards `--model ORG/NAME` finds the model offline.
            """)

    @Argument(help: "The model id, ORG/NAME.")
    var model: String
    @Option(help: "Branch, tag or commit.")
    var revision: String = "main"
    @Option(help: "Hub cache directory (default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub).")
    var cacheDir: String?
    @Flag(help: "Download every file, including other frameworks' weights (onnx/, tf_model.h5, …).")
    var all = false

    func validate() throws {
        guard HubCache.isRepositoryId(model) else {
            throw ValidationError("'\(model)' is not a model id; expected ORG/NAME")
        }
    }

    func run() throws {
        let cache = cacheDir.map { HubCache(directory: URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath, isDirectory: true)) }
            ?? HubCache()
        let display = DownloadDisplay(isTerminal: isatty(STDERR_FILENO) == 1)
        let downloader = HubDownloader(cache: cache)
        let folder = try downloader.download(model, revision: revision, all: all) { display.handle($0) }
        print(folder.url.path)
    }
}

/// Progress lines for `flint download` on standard error: redrawn in place on a terminal (bytes,
/// rate, ETA), one line per file otherwise.
final class DownloadDisplay: @unchecked Sendable {
    private let isTerminal: Bool
    private let lock = NSLock()
    private var start = Date()
    private var lastDraw = Date.distantPast

    init(isTerminal: Bool) {
        self.isTerminal = isTerminal
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    func handle(_ event: HubDownloader.Event) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case let .resolved(commit, files, bytes):
            write("commit \(commit): \(files.count) files" + (bytes.map { ", \(DownloadDisplay.bytes($0))" } ?? "") + "\n")
        case let .skipped(file):
            write("  \(file): already present\n")
        case let .reused(file):
            write("  \(file): linked to the copy already in the cache\n")
        case let .started(file, index, count):
            start = Date()
            lastDraw = .distantPast
            if !isTerminal { write("  [\(index + 1)/\(count)] \(file)…\n") }
        case let .progress(file, bytes, expected):
            guard isTerminal else { return }
            let now = Date()
            guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            let elapsed = max(now.timeIntervalSince(start), 1e-3)
            let rate = Double(bytes) / elapsed
            var line = "\r\u{1B}[2K  \(file): \(DownloadDisplay.bytes(bytes))"
            if let expected, expected > 0 {
                let percent = Double(bytes) / Double(expected) * 100
                let remaining = rate > 0 ? Double(expected - bytes) / rate : 0
                line += String(format: " / %@ (%.0f%%)", DownloadDisplay.bytes(expected), percent)
                line += "  \(DownloadDisplay.bytes(Int64(rate)))/s  ETA \(Int(remaining.rounded()))s"
            } else {
                line += "  \(DownloadDisplay.bytes(Int64(rate)))/s"
            }
            write(line)
        case let .finished(file, bytes):
            let elapsed = max(Date().timeIntervalSince(start), 1e-3)
            let summary = "  \(file): \(DownloadDisplay.bytes(bytes)) in \(String(format: "%.1f", elapsed)) s (\(DownloadDisplay.bytes(Int64(Double(bytes) / elapsed)))/s)\n"
            write(isTerminal ? "\r\u{1B}[2K" + summary : summary)
        }
    }
}
