import Testing
import FlintSupport

/// CRC-32C against published check values (RFC 3720 appendix B.4, the iSCSI test vectors) and the
/// bit-at-a-time definition.
@Suite("CRC-32C")
struct CRC32CTests {
    @Test("Check value of \"123456789\"")
    func checkValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test("RFC 3720 B.4 vectors")
    func iscsiVectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
    }

    @Test("Empty input")
    func empty() {
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test("Slicing-by-8 agrees with the bitwise definition at every length and alignment")
    func matchesBitwise() {
        var state: UInt32 = 12345
        let bytes: [UInt8] = (0..<300).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        for start in 0..<9 {
            for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 100, 291] {
                let slice = bytes[start..<start + length]
                #expect(CRC32C.checksum(slice) == bitwise(Array(slice)), "start \(start) length \(length)")
            }
        }
    }

    @Test("Incremental updates equal one pass")
    func incremental() {
        let bytes = Array("The quick brown fox jumps over the lazy dog".utf8)
        let first = bytes.withUnsafeBytes { CRC32C.update(0, with: UnsafeRawBufferPointer(rebasing: $0[0..<10])) }
        let both = bytes.withUnsafeBytes { CRC32C.update(first, with: UnsafeRawBufferPointer(rebasing: $0[10...])) }
        #expect(both == CRC32C.checksum(bytes))
        #expect(both == 0x2262_0404)
    }

    @Test("Masking rotates right by 15 and adds 0xa282ead8")
    func masking() {
        #expect(CRC32C.masked(0) == 0xA282_EAD8)
        #expect(CRC32C.masked(0x0000_8000) == 0xA282_EAD9)
        #expect(CRC32C.masked(0x0000_0001) == 0xA284_EAD8)
        // The length CRC of a 24-byte record, from the Python fixture (bytes a37f4b22).
        #expect(CRC32C.maskedChecksum([24, 0, 0, 0, 0, 0, 0, 0]) == 0x224B_7FA3)
    }

    private func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}
