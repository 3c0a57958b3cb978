import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The lock that marks a staging folder (`<root>/.staging/<id>/`) as in use by a live push: an exclusive
/// `flock` on `<root>/.staging/<id>.lock`, held until the push ends. The kernel releases it when the
/// process dies, so recovery (``ModelRegistry`` opening) removes exactly the staging folders whose lock
/// it can take — those of crashed pushes — and never one another process or registry is filling.
///
/// The lock file is created under a temporary name, locked, then renamed into place, so a lock file
/// visible under its final name is always locked while its push lives.
final class RegistryStagingLock {
    /// `<root>/.staging/<id>.lock`.
    let url: URL
    private var descriptor: Int32

    /// Creates and locks `<staging>/<id>.lock`.
    init(staging: URL, id: String) throws {
        url = staging.appendingPathComponent(id + ".lock")
        let temporary = staging.appendingPathComponent(id + ".lock.tmp")
        descriptor = open(temporary.path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw RegistryFileSystem.error(temporary.path, "create") }
        guard flock(descriptor, LOCK_EX) == 0 else {
            let failure = RegistryFileSystem.error(temporary.path, "flock")
            close(descriptor)
            unlink(temporary.path)
            throw failure
        }
        do {
            try RegistryFileSystem.rename(temporary, to: url)
        } catch {
            close(descriptor)
            unlink(temporary.path)
            throw error
        }
    }

    /// Deletes the lock file and releases the lock (`deleteFile: false` only releases it, as a crash would).
    func release(deleteFile: Bool = true) {
        guard descriptor >= 0 else { return }
        if deleteFile { unlink(url.path) }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    /// Whether the lock file at `url` belongs to no live push: true when it can be locked without
    /// waiting (or is gone); the probe's lock is released again before returning.
    static func isStale(_ url: URL) -> Bool {
        let probe = open(url.path, O_RDWR | O_CLOEXEC)
        guard probe >= 0 else { return errno == ENOENT }
        defer { close(probe) }
        return flock(probe, LOCK_EX | LOCK_NB) == 0
    }
}
