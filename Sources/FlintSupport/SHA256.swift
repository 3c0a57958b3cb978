import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SHA-256 (FIPS 180-4), incremental: feed bytes with ``update(_:)`` in pieces of any size and read the
/// 32-byte digest with ``finalized()``. Used to fingerprint model files (the registry records the
/// sha256 of every file, as the Hugging Face Hub names LFS blobs) and training data; files are hashed
/// streamed, one buffer at a time (``hexDigest(ofFileAt:bufferSize:)``), never loaded whole.
///
/// The message is padded with a 1 bit, zeros and its 64-bit big-endian bit length to a multiple of
/// 512 bits; each 512-bit block `M` updates the state `H₀…H₇` by 64 rounds over the schedule
/// `Wₜ = Mₜ (t < 16)`, `Wₜ = σ₁(Wₜ₋₂) + Wₜ₋₇ + σ₀(Wₜ₋₁₅) + Wₜ₋₁₆` with
/// `σ₀(x) = ROTR⁷ ⊕ ROTR¹⁸ ⊕ SHR³`, `σ₁(x) = ROTR¹⁷ ⊕ ROTR¹⁹ ⊕ SHR¹⁰`, and rounds
/// `T₁ = h + Σ₁(e) + Ch(e,f,g) + Kₜ + Wₜ`, `T₂ = Σ₀(a) + Maj(a,b,c)` with
/// `Σ₀ = ROTR² ⊕ ROTR¹³ ⊕ ROTR²²`, `Σ₁ = ROTR⁶ ⊕ ROTR¹¹ ⊕ ROTR²⁵`.
public struct SHA256: Sendable {
    /// The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
    static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// The running state H₀…H₇ (initially the fractional parts of the square roots of the first 8 primes).
    private var state: [UInt32] = [0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
                                   0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19]
    /// Bytes of an incomplete block (fewer than 64).
    private var pending: [UInt8] = []
    /// Message bytes fed so far.
    private var byteCount: UInt64 = 0

    /// An empty hash.
    public init() {
        pending.reserveCapacity(64)
    }

    /// Feeds `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        byteCount &+= UInt64(remaining)
        if !pending.isEmpty {
            let taken = min(64 - pending.count, remaining)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: taken))
            base += taken
            remaining -= taken
            if pending.count < 64 { return }
            pending.withUnsafeBytes { block in Self.compress(&state, blocks: block.baseAddress!, count: 1) }
            pending.removeAll(keepingCapacity: true)
        }
        let wholeBlocks = remaining / 64
        if wholeBlocks > 0 {
            Self.compress(&state, blocks: base, count: wholeBlocks)
            base += wholeBlocks * 64
            remaining -= wholeBlocks * 64
        }
        if remaining > 0 { pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: remaining)) }
    }

    /// Feeds the bytes of `data` (`Data`, `[UInt8]`, …).
    public mutating func update(_ data: some ContiguousBytes) {
        data.withUnsafeBytes { update($0) }
    }

    /// The 32-byte digest of everything fed so far (the hash itself is left unchanged and can be fed more).
    public func finalized() -> [UInt8] {
        var copy = self
        let bitLength = byteCount &* 8
        var padding: [UInt8] = [0x80]
        let used = (pending.count + 1) % 64
        padding += [UInt8](repeating: 0, count: (56 - used + 64) % 64)
        for shift in stride(from: 56, through: 0, by: -8) { padding.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        padding.withUnsafeBytes { copy.update($0) }
        precondition(copy.pending.isEmpty, "SHA256.finalized: padding left \(copy.pending.count) bytes")
        var digest = [UInt8]()
        digest.reserveCapacity(32)
        for word in copy.state {
            digest += [UInt8(word >> 24), UInt8((word >> 16) & 0xFF), UInt8((word >> 8) & 0xFF), UInt8(word & 0xFF)]
        }
        return digest
    }

    /// The digest as 64 lowercase hexadecimal digits.
    public func hexFinalized() -> String { Self.hexString(finalized()) }

    /// The 32-byte digest of `data`.
    public static func digest(_ data: some ContiguousBytes) -> [UInt8] {
        var hash = SHA256()
        hash.update(data)
        return hash.finalized()
    }

    /// The digest of `data` as 64 lowercase hexadecimal digits (as `sha256sum` prints it).
    public static func hexDigest(_ data: some ContiguousBytes) -> String { hexString(digest(data)) }

    /// Lowercase hexadecimal digits of `bytes`.
    public static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var characters = [UInt8]()
        characters.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// The digest of the file at `url`, read `bufferSize` bytes at a time, as 64 lowercase hexadecimal
    /// digits; throws ``FileSystemError`` naming the file when it cannot be opened or read.
    public static func hexDigest(ofFileAt url: URL, bufferSize: Int = 1 << 20) throws -> String {
        var hash = SHA256()
        try hash.update(fileAt: url, bufferSize: bufferSize)
        return hash.hexFinalized()
    }

    /// Feeds the bytes of the file at `url`, streamed `bufferSize` bytes at a time; returns the number
    /// of bytes read. Throws ``FileSystemError`` naming the file when it cannot be opened or read.
    @discardableResult
    public mutating func update(fileAt url: URL, bufferSize: Int = 1 << 20) throws -> Int64 {
        precondition(bufferSize >= 64, "SHA256.update(fileAt:): bufferSize must be ≥ 64, found \(bufferSize)")
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError.current(path: url.path, operation: "open") }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 64)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let count = read(descriptor, buffer.baseAddress!, bufferSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError.current(path: url.path, operation: "read")
            }
            if count == 0 { break }
            update(UnsafeRawBufferPointer(start: buffer.baseAddress!, count: count))
            total += Int64(count)
        }
        return total
    }

    /// Runs the compression function over `count` consecutive 64-byte blocks at `blocks`.
    private static func compress(_ state: inout [UInt32], blocks: UnsafeRawPointer, count: Int) {
        @inline(__always) func rotateRight(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        var h0 = state[0], h1 = state[1], h2 = state[2], h3 = state[3]
        var h4 = state[4], h5 = state[5], h6 = state[6], h7 = state[7]
        roundConstants.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                for block in 0..<count {
                    let bytes = blocks + block * 64
                    for t in 0..<16 {
                        w[t] = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4 * t, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let x = w[t - 15], y = w[t - 2]
                        let sigma0 = rotateRight(x, 7) ^ rotateRight(x, 18) ^ (x >> 3)
                        let sigma1 = rotateRight(y, 17) ^ rotateRight(y, 19) ^ (y >> 10)
                        w[t] = sigma1 &+ w[t - 7] &+ sigma0 &+ w[t - 16]
                    }
                    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                    for t in 0..<64 {
                        let bigSigma1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25)
                        let choose = (e & f) ^ (~e & g)
                        let t1 = h &+ bigSigma1 &+ choose &+ k[t] &+ w[t]
                        let bigSigma0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22)
                        let majority = (a & b) ^ (a & c) ^ (b & c)
                        let t2 = bigSigma0 &+ majority
                        h = g; g = f; f = e; e = d &+ t1
                        d = c; c = b; b = a; a = t1 &+ t2
                    }
                    h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d
                    h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                }
            }
        }
        state = [h0, h1, h2, h3, h4, h5, h6, h7]
    }
}
