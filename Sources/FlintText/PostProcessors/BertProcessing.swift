/// BERT's post-processor (Hugging Face's `BertProcessing`): `[CLS] A [SEP]`, and for pairs
/// `[CLS] A [SEP] B [SEP]` with type id 1 on `B [SEP]`.
public struct BertProcessing: PostProcessor {
    /// The separator token and id.
    public let separator: (token: String, id: Int)
    /// The classifier token and id.
    public let classifier: (token: String, id: Int)
    private let template: TemplateProcessing

    /// A BERT post-processor.
    public init(separator: (token: String, id: Int), classifier: (token: String, id: Int)) {
        self.separator = separator
        self.classifier = classifier
        template = TemplateProcessing.bert(classifier: classifier, separator: separator)
    }

    /// Reads `{"type": "BertProcessing", "sep": ["[SEP]", 102], "cls": ["[CLS]", 101]}`.
    public init(json: JSONObject) throws {
        func pair(_ key: String) throws -> (token: String, id: Int) {
            let value = try json.array(key)
            guard value.count == 2, let token = value[0] as? String, let id = JSONObject.integer(value[1]) else {
                throw json.mismatch(key, expected: "[token, id]")
            }
            return (token, id)
        }
        self.init(separator: try pair("sep"), classifier: try pair("cls"))
    }

    public func addedTokenCount(isPair: Bool) -> Int { isPair ? 3 : 2 }

    public func process(_ first: consuming Encoding, pair second: Encoding?) -> Encoding {
        template.process(first, pair: second)
    }
}
