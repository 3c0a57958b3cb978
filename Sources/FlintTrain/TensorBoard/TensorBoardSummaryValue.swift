/// One tagged value of a TensorBoard `Summary` (`Summary.Value` in `tensorboard/compat/proto/summary.proto`).
///
/// Only scalars are modelled: `simpleValue` (field 2) is what `SummaryWriter.add_scalar` writes. A value of
/// another kind (image, histogram, tensor, …) reads back with `simpleValue == nil`.
public struct TensorBoardSummaryValue: Equatable, Sendable {
    /// The series name, such as `"train/loss"` (field 1).
    public var tag: String
    /// The scalar (field 2), or nil when the value holds something else.
    public var simpleValue: Float?

    /// A value named `tag`.
    public init(tag: String, simpleValue: Float?) {
        self.tag = tag
        self.simpleValue = simpleValue
    }

    /// Appends this value's fields (proto3: an empty tag is skipped; `simple_value` sits in a oneof, so it is
    /// written whenever set, even when zero).
    func encode(into encoder: inout ProtobufEncoder) {
        if !tag.isEmpty { encoder.appendString(field: 1, tag) }
        if let simpleValue { encoder.appendFloat(field: 2, simpleValue) }
    }

    /// Decodes a `Summary.Value` message; fields other than 1 and 2 are skipped.
    init(decoding bytes: ArraySlice<UInt8>) throws(ProtobufDecoder.Failure) {
        var decoder = ProtobufDecoder(bytes)
        tag = ""
        simpleValue = nil
        while let (number, field) = try decoder.next() {
            switch (number, field) {
            case (1, .lengthDelimited(let text)):
                guard let string = String(validating: text, as: UTF8.self) else {
                    throw ProtobufDecoder.Failure(offset: decoder.fieldOffset, expected: "UTF-8 text in Summary.Value.tag",
                                                  found: "\(text.count) bytes that are not valid UTF-8")
                }
                tag = string
            case (2, .fixed32(let bits)):
                simpleValue = Float(bitPattern: bits)
            case (1, _), (2, _):
                throw ProtobufDecoder.Failure(offset: decoder.fieldOffset,
                                              expected: number == 1 ? "Summary.Value.tag as a string" : "Summary.Value.simple_value as a float",
                                              found: "\(field.wireTypeName)")
            default:
                break
            }
        }
    }
}

extension ProtobufDecoder.Field {
    /// The wire type's name, for error messages.
    var wireTypeName: String {
        switch self {
        case .varint: return "a varint"
        case .fixed64: return "a 64-bit value"
        case .lengthDelimited: return "a length-delimited value"
        case .fixed32: return "a 32-bit value"
        }
    }
}
