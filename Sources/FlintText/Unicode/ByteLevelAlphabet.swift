/// GPT-2's reversible mapping between the 256 byte values and 256 printable Unicode scalars, used by byte-level
/// BPE vocabularies (GPT-2, RoBERTa, Llama-3, SmolLM, Qwen).
///
/// Bytes that are printable Latin-1 characters (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) map to themselves; the other 68
/// bytes (controls, space, DEL, NBSP, soft hyphen) map, in byte order, to U+0100, U+0101, … . So a space is
/// `Ġ` (U+0120) and a newline is `Ċ` (U+010A).
public enum ByteLevelAlphabet {
    /// The scalar that stands for each byte value (index = byte).
    public static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each alphabet scalar stands for: index = scalar value (0..<324), -1 for scalars outside the alphabet.
    static let byteForScalarValue: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar.value)] = Int16(byte) }
        return table
    }()

    /// The byte that `scalar` stands for, or nil if it is not one of the 256 alphabet scalars.
    @inline(__always)
    public static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = Int(scalar.value)
        guard value < byteForScalarValue.count else { return nil }
        let byte = byteForScalarValue[value]
        return byte < 0 ? nil : UInt8(byte)
    }

    /// The alphabet spelling of `bytes` (one scalar per byte).
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var result = String.UnicodeScalarView()
        for byte in bytes { result.append(scalarForByte[Int(byte)]) }
        return String(result)
    }

    /// The bytes that an alphabet-spelled token stands for, or nil if it holds a scalar outside the alphabet.
    public static func decode(_ token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard let byte = byte(for: scalar) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
