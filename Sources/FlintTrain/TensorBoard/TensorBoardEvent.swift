import Flint

/// One record of a TensorBoard event file (`Event` in `tensorboard/compat/proto/event.proto`).
///
/// Only the fields a scalar log uses are modelled: `wall_time` (1), `step` (2) and the `file_version` (3) and
/// `summary` (5) members of the `what` oneof. Other fields are skipped when reading.
public struct TensorBoardEvent: Equatable, Sendable {
    /// Seconds since the Unix epoch when the event was recorded.
    public var wallTime: Double
    /// The global step (training iteration) the values belong to.
    public var step: Int64
    /// The file-format marker of a file's first event (`"brain.Event:2"`), else nil.
    public var fileVersion: String?
    /// The summary values of a summary event, else nil.
    public var summary: [TensorBoardSummaryValue]?

    /// The marker PyTorch and TensorFlow write as the first event of every file.
    public static let currentFileVersion = "brain.Event:2"

    /// An event; set at most one of `fileVersion` and `summary` (they are a oneof).
    public init(wallTime: Double, step: Int64 = 0, fileVersion: String? = nil, summary: [TensorBoardSummaryValue]? = nil) {
        require(fileVersion == nil || summary == nil, "TensorBoardEvent: file_version and summary are a oneof; set at most one")
        self.wallTime = wallTime
        self.step = step
        self.fileVersion = fileVersion
        self.summary = summary
    }

    /// The protobuf wire bytes, identical to the reference implementation's `SerializeToString()`: proto3
    /// skips a zero `wall_time` and `step`; the oneof members are written whenever set.
    public func serialized() -> [UInt8] {
        var encoder = ProtobufEncoder()
        if wallTime.bitPattern != 0 { encoder.appendDouble(field: 1, wallTime) }
        if step != 0 { encoder.appendInt64(field: 2, step) }
        if let fileVersion { encoder.appendString(field: 3, fileVersion) }
        if let summary {
            var summaryEncoder = ProtobufEncoder()
            for value in summary {
                var valueEncoder = ProtobufEncoder()
                value.encode(into: &valueEncoder)
                summaryEncoder.appendBytes(field: 1, valueEncoder.bytes)
            }
            encoder.appendBytes(field: 5, summaryEncoder.bytes)
        }
        return encoder.bytes
    }

    /// Decodes an `Event` message.
    init(decoding bytes: ArraySlice<UInt8>) throws(ProtobufDecoder.Failure) {
        var decoder = ProtobufDecoder(bytes)
        wallTime = 0
        step = 0
        fileVersion = nil
        summary = nil
        while let (number, field) = try decoder.next() {
            switch (number, field) {
            case (1, .fixed64(let bits)):
                wallTime = Double(bitPattern: bits)
            case (2, .varint(let value)):
                step = Int64(bitPattern: value)
            case (3, .lengthDelimited(let text)):
                guard let string = String(validating: text, as: UTF8.self) else {
                    throw ProtobufDecoder.Failure(offset: decoder.fieldOffset, expected: "UTF-8 text in Event.file_version",
                                                  found: "\(text.count) bytes that are not valid UTF-8")
                }
                fileVersion = string
                summary = nil
            case (5, .lengthDelimited(let message)):
                do throws(ProtobufDecoder.Failure) {
                    summary = try Self.decodeSummary(message)
                } catch {
                    throw error.shifted(by: decoder.offset - message.count)
                }
                fileVersion = nil
            case (1, _), (2, _), (3, _), (5, _):
                let expected = ["Event.wall_time as a double", "Event.step as a varint", "Event.file_version as a string",
                                "", "Event.summary as a message"][number - 1]
                throw ProtobufDecoder.Failure(offset: decoder.fieldOffset, expected: expected, found: field.wireTypeName)
            default:
                break
            }
        }
    }

    /// Decodes a `Summary` message: its repeated `value` field (1); other fields are skipped.
    private static func decodeSummary(_ message: ArraySlice<UInt8>) throws(ProtobufDecoder.Failure) -> [TensorBoardSummaryValue] {
        var values: [TensorBoardSummaryValue] = []
        var decoder = ProtobufDecoder(message)
        while let (number, field) = try decoder.next() {
            guard number == 1 else { continue }
            guard case .lengthDelimited(let valueBytes) = field else {
                throw ProtobufDecoder.Failure(offset: decoder.fieldOffset, expected: "Summary.value as a message",
                                              found: field.wireTypeName)
            }
            do throws(ProtobufDecoder.Failure) {
                values.append(try TensorBoardSummaryValue(decoding: valueBytes))
            } catch {
                throw error.shifted(by: decoder.offset - valueBytes.count)
            }
        }
        return values
    }
}
