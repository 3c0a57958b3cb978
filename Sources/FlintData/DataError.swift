/// An error reading a data set from disk.
///
/// Every case names the file; format errors also name the field that is wrong, what the format
/// (or the caller) expected and what the file holds instead, so a message such as
///
///     /data/train-images-idx3-ubyte.gz: field 'magic number': expected 0x00000803 (unsigned-byte
///     array with 3 dimensions), found 0x00000801 (unsigned-byte array with 1 dimension)
///
/// says exactly what to fix. Loading code throws these; it never crashes on a bad file.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A required file does not exist. `hint` says how to obtain it.
    case missingFile(path: String, hint: String)
    /// The file exists but cannot be opened or read; `reason` is the system's explanation.
    case unreadable(path: String, reason: String)
    /// A field holds a value the format (or the caller) does not allow.
    case invalidField(path: String, field: String, expected: String, found: String)
    /// The data ends inside `field`: `expectedBytes` were needed, only `foundBytes` remain.
    case truncated(path: String, field: String, expectedBytes: Int, foundBytes: Int)
    /// The compressed (gzip/zlib) stream is damaged or cut short.
    case corruptCompression(path: String, expected: String, found: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .missingFile(let path, _), .unreadable(let path, _), .invalidField(let path, _, _, _),
             .truncated(let path, _, _, _), .corruptCompression(let path, _, _):
            return path
        }
    }

    /// The field the error is about (`"gzip stream"` for compression errors; nil when the file
    /// itself is missing or unreadable).
    public var field: String? {
        switch self {
        case .missingFile, .unreadable: return nil
        case .invalidField(_, let field, _, _), .truncated(_, let field, _, _): return field
        case .corruptCompression: return "gzip stream"
        }
    }

    /// A one-line, human-readable explanation naming the file, the field, and expected vs found.
    public var description: String {
        switch self {
        case .missingFile(let path, let hint):
            return "\(path): file not found. \(hint)"
        case .unreadable(let path, let reason):
            return "\(path): cannot read file: \(reason)"
        case .invalidField(let path, let field, let expected, let found):
            return "\(path): field '\(field)': expected \(expected), found \(found)"
        case .truncated(let path, let field, let expectedBytes, let foundBytes):
            return "\(path): field '\(field)' is truncated: expected \(expectedBytes) bytes, found \(foundBytes)"
        case .corruptCompression(let path, let expected, let found):
            return "\(path): field 'gzip stream' is corrupt: expected \(expected), found \(found)"
        }
    }
}
