import Foundation

/// Unicode canonical composition (`{"type": "NFC"}`, used by Qwen2 and Llama-3-style tokenizer files).
///
/// The text is cut into segments: a scalar plus the marks (categories Mn, Mc, Me) and Hangul vowel/trailing
/// jamo that follow it — the only scalars that compose with what precedes them. Each segment that can change
/// is composed with Foundation's NFC. Alignment follows Hugging Face: output scalars take the input scalars in
/// order, each as many as its canonical decomposition holds, and keep the range of the first one they take
/// (`e` U+0301 U+0301 → `é` U+0301: `é` reports the `e`, the mark reports the second U+0301; reordered marks
/// report the positions they now occupy). Text below U+0300 is left untouched without any lookup.
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
                // Output scalars take input scalars in order, each as many as its canonical decomposition
                // has (a composed scalar swallows the marks or jamo it absorbed), and the alignment of the
                // first one it takes.
                var next = start
                for scalar in composed {
                    let source = min(next, end - 1)
                    result.append(scalar, originStart: text.originStart[source], originEnd: text.originEnd[source])
                    next += scalar.value < 0xC0 ? 1 : String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars.count
                }
            }
            start = end
        }
        text = result
    }
}
