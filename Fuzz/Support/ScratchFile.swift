#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A file in a per-process folder on tmpfs (`/dev/shm`), rewritten with each fuzz input, for loaders
/// whose only entry point reads a file (they map it, stream it through zlib, or read it whole).
public struct ScratchFile: Sendable {
    /// The file's URL.
    public let url: URL

    /// A scratch file called `name` in `/dev/shm/flint-fuzz-<pid>/` (the folder is made on first use).
    public init(name: String) {
        let folder = "/dev/shm/flint-fuzz-\(getpid())"
        mkdir(folder, 0o700)
        url = URL(fileURLWithPath: "\(folder)/\(name)")
    }

    /// Replaces the file's contents with `count` bytes at `bytes`; traps if tmpfs refuses (a broken
    /// harness, not a finding).
    public func write(_ bytes: UnsafeRawPointer?, count: Int) {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(descriptor >= 0, "cannot open the scratch file \(url.path)")
        defer { close(descriptor) }
        var done = 0
        while done < count {
            let written = Glibc.write(descriptor, bytes! + done, count - done)
            precondition(written > 0, "cannot write the scratch file \(url.path)")
            done += written
        }
    }

    /// Replaces the file's contents with `bytes`.
    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0.baseAddress, count: $0.count) }
    }
}
