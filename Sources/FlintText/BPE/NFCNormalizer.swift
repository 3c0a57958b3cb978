import Foundation

/// Unicode canonical composition (`{"type": "NFC"}`, used by Qwen2 and Llama-3-style tokenizer files).
///
/// The text is cut into segments: a scalar plus the marks (categories Mn, Mc, Me) and Hangul vowel/trailing
/// jamo that follow it — the only scalars that compose with what precedes them. Each segment that can change
/// is composed with Foundation's NFC; a composed scalar keeps the alignment of the scalar it starts from (as in
/// Hugging Face, `e` + U+0301 → `é` reports the range of the `e`), extra output scalars take the alignment of
/// the input scalar at the same position. Text below U+0300 is left untouched without any lookup.
public struct NFCNormalizer: Normalizer {
    /// An NFC normalizer.
    public init() {}

    @inline(__always)
    private static func joinsPrevious(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x300 { return false }
        if (0x1160...0x11FF).contains(value) || (0xD7B0...0xD7FF).contains(value) { return true }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// Single scalars that NFC leaves alone without asking (CJK, kana, Hangul syllables).
    @inline(__always)
    private static func isStableAlone(_ value: UInt32) -> Bool {
        value < 0x300 || (0x3040...0x30FF).contains(value) || (0x4E00...0x9FFF).contains(value) || (0xAC00...0xD7A3).contains(value)
    }

    public func normalize(_ text: inout NormalizedText) {
        guard text.scalars.contains(where: { $0.value >= 0x300 }) else { return }
        var result = NormalizedText(capacity: text.count)
        var start = 0
        while start < text.count {
            var end = start + 1
            while end < text.count, Self.joinsPrevious(text.scalars[end]) { end += 1 }
            if end - start == 1 && Self.isStableAlone(text.scalars[start].value) {
                result.append(text.scalars[start], originStart: text.originStart[start], originEnd: text.originEnd[start])
            } else {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: text.scalars[start..<end])
                let composed = Array(String(view).precomposedStringWithCanonicalMapping.unicodeScalars)
                for (index, scalar) in composed.enumerated() {
                    let source = start + min(index, end - start - 1)
                    result.append(scalar, originStart: text.originStart[source], originEnd: text.originEnd[source])
                }
            }
            start = end
        }
        text = result
    }
}
