#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A terminal progress bar with rate and ETA; plain lines when the output is not a terminal.
///
/// On a terminal the bar is redrawn in place on standard error at most ten times a second, and
/// ``log(_:)`` prints a line above it. When standard error is not a terminal (CI, log files) the
/// bar prints nothing by itself and ``log(_:)`` lines carry the rate and ETA instead.
public final class ProgressBar: @unchecked Sendable {
    /// The number of steps that make 100%.
    public let total: Int
    /// A short label before the bar.
    public let label: String
    /// Steps done so far.
    public private(set) var completed = 0
    private let start = Date()
    private let initial: Int
    private var lastDraw = Date.distantPast
    private let isTerminal: Bool
    private var suffix = ""
    private let width = 30

    /// Creates a bar for `total` steps, `completed` of them already done (a resumed run: the rate and
    /// ETA count only the steps done from now on).
    public init(total: Int, label: String = "", isTerminal: Bool? = nil, completed: Int = 0) {
        self.total = max(total, 1)
        self.completed = min(max(completed, 0), max(total, 1))
        initial = self.completed
        self.label = label
        self.isTerminal = isTerminal ?? (isatty(STDERR_FILENO) == 1)
    }

    /// Steps per second so far.
    public var rate: Double {
        let elapsed = Date().timeIntervalSince(start)
        return elapsed > 0 ? Double(completed - initial) / elapsed : 0
    }

    /// Estimated seconds left at the current rate.
    public var secondsRemaining: Double {
        let r = rate
        return r > 0 ? Double(total - completed) / r : .infinity
    }

    /// Advances by `steps`; `status` (for example the running loss) is shown after the bar.
    public func advance(by steps: Int = 1, status: String? = nil) {
        completed = min(total, completed + steps)
        if let status { suffix = status }
        guard isTerminal else { return }
        let now = Date()
        if completed == total || now.timeIntervalSince(lastDraw) >= 0.1 {
            lastDraw = now
            draw()
        }
    }

    /// Prints a line: above the bar on a terminal, or with rate and ETA appended otherwise.
    public func log(_ line: String) {
        if isTerminal {
            FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
            print(line)
            fflush(nil)
            draw()
        } else {
            print("\(line)  [\(completed)/\(total), \(Self.formatRate(rate)), ETA \(Self.formatDuration(secondsRemaining))]")
            fflush(nil)
        }
    }

    /// Ends the bar (draws it complete and moves to a new line on a terminal).
    public func finish() {
        guard isTerminal else { return }
        draw()
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw() {
        let fraction = Double(completed) / Double(total)
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "")
            + String(repeating: " ", count: max(0, width - filled - 1))
        let percent = String(format: "%3d%%", Int(fraction * 100))
        let text = "\r\u{1B}[2K\(label.isEmpty ? "" : label + " ")\(percent) [\(bar)] \(completed)/\(total) "
            + "\(Self.formatRate(rate)) ETA \(Self.formatDuration(secondsRemaining))\(suffix.isEmpty ? "" : " | " + suffix)"
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func formatRate(_ rate: Double) -> String {
        rate >= 1 ? String(format: "%.1f it/s", rate) : String(format: "%.2f s/it", rate > 0 ? 1 / rate : 0)
    }

    /// `m:ss` or `h:mm:ss`; `--:--` when unknown.
    public static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60) }
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}
