import Foundation
import Testing
import Flint
import FlintTestSupport

/// Dequantization of the 13 supported ggml types, bit for bit against gguf-py's numpy dequantizers on random
/// blocks (Tests/FlintTests/Fixtures/ggml-quants, made by scripts/fixtures/make_ggml_quant_fixtures.py), and the
/// block-layout table against gguf-py's `GGML_QUANT_SIZES`.
@Suite struct DequantizeTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/ggml-quants/\(name)", withExtension: nil), "missing fixture \(name)")
        return Array(try Data(contentsOf: url))
    }

    static let supported: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    @Test func supportedTypesAreTheThirteen() {
        #expect(Set(GGMLType.allCases.filter(\.isSupported)) == Set(Self.supported))
    }

    @Test("bit-identical to gguf.quants.dequantize", arguments: supported)
    func matchesGGUFPy(type: GGMLType) throws {
        let blocks = try Self.fixture("\(type.name).blocks")
        let expected = try Self.fixture("\(type.name).f32")
        #expect(blocks.count % type.typeSize == 0)
        let count = blocks.count / type.typeSize * type.blockSize
        #expect(expected.count == 4 * count)
        let values = blocks.withUnsafeBytes { type.dequantize($0.baseAddress!, count: count) }
        var mismatches = [String]()
        for i in 0..<count {
            let want = expected.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self) }
            if values[i].bitPattern != want && mismatches.count < 5 {
                mismatches.append("[\(i)] \(values[i]) vs \(Float(bitPattern: want))")
            }
        }
        #expect(mismatches.isEmpty, "\(type.name): \(mismatches)")
    }

    /// A misaligned source (as inside a GGUF file's data, where a row may start at any byte) gives the same values.
    @Test(arguments: supported)
    func unalignedSourceGivesTheSameValues(type: GGMLType) throws {
        let blocks = try Self.fixture("\(type.name).blocks")
        let count = blocks.count / type.typeSize * type.blockSize
        let aligned = blocks.withUnsafeBytes { type.dequantize($0.baseAddress!, count: count) }
        let shifted = ([0x55] + blocks).withUnsafeBytes { type.dequantize($0.baseAddress! + 1, count: count) }
        #expect(aligned.map(\.bitPattern) == shifted.map(\.bitPattern))
    }

    /// The block sizes and byte sizes of every ggml type against gguf-py's table. Q8_1 is the exception:
    /// gguf-py still lists the old 40-byte block (`f32 d, s`); ggml's `block_q8_1` is `f16 d, s; i8 qs[32]`
    /// (36 bytes, static-asserted in ggml-common.h). It is an activation type only, never stored in a file.
    @Test(.enabled(if: PeerPython.isAvailable, .init(rawValue: PeerPython.skipComment)))
    func layoutTableMatchesGGUFPy() throws {
        let output = try PeerPython.run("""
            from gguf.constants import GGML_QUANT_SIZES
            for t, (b, s) in GGML_QUANT_SIZES.items(): print(t.value, t.name, b, s)
            """)
        #expect(output.status == 0, "\(output.standardError)")
        var checked = 0
        for line in output.standardOutput.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 4, let id = UInt32(parts[0]), let block = Int(parts[2]), let size = Int(parts[3]) else { continue }
            guard let type = GGMLType(rawValue: id) else { continue }  // types newer than Flint's table
            #expect(type.name == parts[1])
            #expect(type.blockSize == block, "\(type.name) block size")
            if type != .q8_1 { #expect(type.typeSize == size, "\(type.name) type size") }
            checked += 1
        }
        #expect(checked == GGMLType.allCases.count)
    }

    @Test func rowByteCount() {
        #expect(GGMLType.q4_1.rowByteCount(576) == 18 * 20)
        #expect(GGMLType.q4_K.rowByteCount(2048) == 8 * 144)
        #expect(GGMLType.q4_K.rowByteCount(576) == nil)
        #expect(GGMLType.f16.rowByteCount(3) == 6)
        #expect(GGMLType(name: "q6_k") == .q6_K && GGMLType(name: "Q9") == nil)
    }
}
