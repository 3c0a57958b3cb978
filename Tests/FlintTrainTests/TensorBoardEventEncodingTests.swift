import Testing
import FlintTrain

/// Event protobuf and TFRecord bytes against the `tensorboard` package: the hex below is the output of
/// `scripts/fixtures/generate-tensorboard-fixture.py` (also committed as `scripts/fixtures/tensorboard-events.json`, `records`),
/// which serializes with tensorboard's generated `event_pb2` classes and frames with its `RecordWriter`.
@Suite("TensorBoard event encoding")
struct TensorBoardEventEncodingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let event: TensorBoardEvent
        let eventHex: String
        let recordHex: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "file version",
             event: TensorBoardEvent(wallTime: 1_700_000_000.25, fileVersion: "brain.Event:2"),
             eventHex: "0900001040fc54d9411a0d627261696e2e4576656e743a32",
             recordHex: "1800000000000000a37f4b220900001040fc54d9411a0d627261696e2e4576656e743a32338d2fe9"),
        Case(name: "scalar",
             event: TensorBoardEvent(wallTime: 1_700_000_001.5, step: 42,
                                     summary: [TensorBoardSummaryValue(tag: "train/loss", simpleValue: 0.693147)]),
             eventHex: "0900006040fc54d941102a2a130a110a0a747261696e2f6c6f7373151572313f",
             recordHex: "200000000000000029eda9500900006040fc54d941102a2a130a110a0a747261696e2f6c6f7373151572313f4c86a349"),
        Case(name: "zero step, zero value",
             event: TensorBoardEvent(wallTime: 1_700_000_002.0, step: 0,
                                     summary: [TensorBoardSummaryValue(tag: "lr", simpleValue: 0)]),
             eventHex: "0900008040fc54d9412a0b0a090a026c721500000000",
             recordHex: "16000000000000004f61be280900008040fc54d9412a0b0a090a026c721500000000594733ed"),
        Case(name: "negative step, large value",
             event: TensorBoardEvent(wallTime: 0.125, step: -3,
                                     summary: [TensorBoardSummaryValue(tag: "x", simpleValue: -1.5e30)]),
             eventHex: "09000000000000c03f10fdffffffffffffffff012a0a0a080a017815177697f1",
             recordHex: "200000000000000029eda95009000000000000c03f10fdffffffffffffffff012a0a0a080a017815177697f112ab7c7a"),
        Case(name: "large step",
             event: TensorBoardEvent(wallTime: 1e9, step: (1 << 40) + 7,
                                     summary: [TensorBoardSummaryValue(tag: "accuracy/validation", simpleValue: 0.875)]),
             eventHex: "090000000065cdcd41108780808080202a1c0a1a0a1361636375726163792f76616c69646174696f6e150000603f",
             recordHex: "2e00000000000000c5cb57fa090000000065cdcd41108780808080202a1c0a1a0a1361636375726163792f76616c69646174696f6e150000603f5d618e53"),
    ]

    @Test("Event bytes equal tensorboard's SerializeToString()", arguments: cases)
    func eventBytes(_ testCase: Case) {
        #expect(hex(testCase.event.serialized()) == testCase.eventHex)
    }

    @Test("Record bytes equal tensorboard's RecordWriter output", arguments: cases)
    func recordBytes(_ testCase: Case) {
        #expect(hex(TFRecordFraming.record(testCase.event.serialized())) == testCase.recordHex)
    }

    @Test("Python's records decode to the same events", arguments: cases)
    func decodesPythonRecord(_ testCase: Case) throws {
        var reader = TensorBoardEventReader(bytes: bytes(testCase.recordHex), path: "fixture")
        #expect(try reader.nextEvent() == testCase.event)
        #expect(try reader.nextEvent() == nil)
    }

    /// A whole file from `torch.utils.tensorboard.SummaryWriter` (`pytorch_file` in the fixture): its first event
    /// also carries `source_metadata` (field 10), which the reader skips.
    static let pytorchFileHex = [
        "4800000000000000fe92489d09fa5f379309c3da411a0d627261696e2e4576656e743a32522e0a2c74656e736f72626f6172642e73756d6d",
        "6172792e7772697465722e6576656e745f66696c655f7772697465727abb4589200000000000000029eda9500900000040fc54d941100a2a",
        "130a110a0a747261696e2f6c6f7373150000003f9d95a30d200000000000000029eda9500900004040fc54d94110142a130a110a0a747261",
        "696e2f6c6f7373150000803e2eee35661800000000000000a37f4b220900004040fc54d94110142a0b0a090a026c72156f12833a6d05a1a4",
    ].joined()

    @Test("A file written by PyTorch's SummaryWriter reads back")
    func readsPyTorchFile() throws {
        var reader = TensorBoardEventReader(bytes: bytes(Self.pytorchFileHex), path: "pytorch.tfevents")
        var events: [TensorBoardEvent] = []
        while let event = try reader.nextEvent() { events.append(event) }
        #expect(events.count == 4)
        #expect(events.first?.fileVersion == "brain.Event:2")
        #expect(Array(events.dropFirst()) == [
            TensorBoardEvent(wallTime: 1_700_000_000, step: 10, summary: [TensorBoardSummaryValue(tag: "train/loss", simpleValue: 0.5)]),
            TensorBoardEvent(wallTime: 1_700_000_001, step: 20, summary: [TensorBoardSummaryValue(tag: "train/loss", simpleValue: 0.25)]),
            TensorBoardEvent(wallTime: 1_700_000_001, step: 20, summary: [TensorBoardSummaryValue(tag: "lr", simpleValue: 1e-3)]),
        ])
        // The scalar records are byte-identical to this writer's.
        let scalarStart = 12 + 72 + 4
        #expect(Array(bytes(Self.pytorchFileHex)[scalarStart...])
                == events.dropFirst().flatMap { TFRecordFraming.record($0.serialized()) })
    }

    @Test("Unknown fields are skipped when decoding")
    func skipsUnknownFields() throws {
        // wall_time 2.0, then tensorflow's source_metadata (field 10, a message) and an unknown varint field 20.
        let event: [UInt8] = [0x09, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x52, 0x03, 0x0A, 0x01, 0x61, 0xA0, 0x01, 0x05, 0x10, 0x07]
        var reader = TensorBoardEventReader(bytes: TFRecordFraming.record(event), path: "fixture")
        #expect(try reader.nextEvent() == TensorBoardEvent(wallTime: 2, step: 7))
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    private func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }
}
