#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A whole file mapped into memory, unmapped when the last reference goes away.
///
/// The file is opened read-only and mapped privately (copy-on-write): tensors that borrow the
/// mapping can be read with no copy, and writing to one of them (an optimizer updating a loaded
/// weight in place, say) changes only this process's pages, never the file on disk.
///
/// The mapping reflects the file as it is on disk: if another process truncates the file while it
/// is mapped, touching the lost pages raises SIGBUS, as with any `mmap`.
public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened from.
    public let path: String
    /// The size of the file, in bytes.
    public let byteCount: Int
    /// The first mapped byte (a valid, unreadable-beyond-zero pointer when the file is empty).
    public let data: UnsafeMutableRawPointer
    private let isMapped: Bool

    /// Opens and maps the file at `path`.
    ///
    /// - Throws: ``FlintError/io(path:message:)`` naming the path and the system error when the
    ///   file cannot be opened, examined or mapped, or is not a regular file.
    public init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            throw FlintError.io(path: path, message: "cannot open for reading: \(MappedFile.systemError())")
        }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) != 0 {
            throw FlintError.io(path: path, message: "cannot examine the file: \(MappedFile.systemError())")
        }
        if (status.st_mode & S_IFMT) != S_IFREG {
            throw FlintError.io(path: path, message: "not a regular file")
        }
        let size = Int(status.st_size)
        byteCount = size
        if size == 0 {
            // mmap refuses a zero length; an empty file has no bytes to point at.
            data = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 64)
            isMapped = false
            return
        }
        guard let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, descriptor, 0),
              address != MAP_FAILED else {
            throw FlintError.io(path: path, message: "cannot map \(size) bytes: \(MappedFile.systemError())")
        }
        data = address
        isMapped = true
    }

    /// Opens and maps the file at a file URL.
    public convenience init(contentsOf url: URL) throws {
        try self.init(path: url.path)
    }

    /// The mapped bytes.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: data, count: byteCount)
    }

    deinit {
        if isMapped {
            munmap(data, byteCount)
        } else {
            data.deallocate()
        }
    }

    /// The text of the current `errno`.
    static func systemError() -> String {
        let code = errno
        return "\(String(cString: strerror(code))) (errno \(code))"
    }
}
