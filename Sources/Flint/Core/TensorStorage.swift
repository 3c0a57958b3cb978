#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A block of memory that one or more tensors view.
///
/// Storage is either owned (allocated 64-byte aligned, freed on deinit) or borrowed from an
/// owner that keeps it alive, such as a memory-mapped file.
public final class TensorStorage: @unchecked Sendable {
    /// The first byte.
    public let data: UnsafeMutableRawPointer
    /// Size in bytes.
    public let byteCount: Int
    private let owner: AnyObject?
    private let ownsMemory: Bool

    /// Allocates `byteCount` bytes, uninitialised.
    public init(byteCount: Int) {
        var pointer: UnsafeMutableRawPointer? = nil
        let size = max(byteCount, 64)
        let status = posix_memalign(&pointer, 64, size)
        require(status == 0 && pointer != nil, "TensorStorage: cannot allocate \(byteCount) bytes")
        self.data = pointer!
        self.byteCount = byteCount
        self.owner = nil
        self.ownsMemory = true
    }

    /// Allocates `byteCount` zeroed bytes.
    public convenience init(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        memset(data, 0, byteCount)
    }

    /// Wraps memory that `owner` keeps alive (for example a mapped file).
    public init(borrowing data: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject) {
        self.data = data
        self.byteCount = byteCount
        self.owner = owner
        self.ownsMemory = false
    }

    deinit {
        if ownsMemory { free(data) }
    }
}
