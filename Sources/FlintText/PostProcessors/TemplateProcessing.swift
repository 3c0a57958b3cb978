/// Adds special tokens by template (Hugging Face's `TemplateProcessing`), e.g. single
/// `[CLS] $A [SEP]` and pair `[CLS] $A [SEP] $B:1 [SEP]:1`; each piece sets the type id of its tokens.
public struct TemplateProcessing: PostProcessor {
    /// One piece of a template.
    public enum Piece: Sendable, Equatable {
        /// The first (`A`) or second (`B`) sequence, with the type id its tokens get.
        case sequence(isPair: Bool, typeId: Int)
        /// A special token (by name in `specialTokens`), with its type id.
        case specialToken(name: String, typeId: Int)
    }

    /// The ids and strings a special-token name stands for.
    public struct SpecialToken: Sendable, Equatable {
        /// The ids.
        public var ids: [Int]
        /// The token strings.
        public var tokens: [String]

        /// A special token entry.
        public init(ids: [Int], tokens: [String]) {
            self.ids = ids
            self.tokens = tokens
        }
    }

    /// The template for one sequence.
    public let single: [Piece]
    /// The template for a pair.
    public let pair: [Piece]
    /// The special tokens the templates name.
    public let specialTokens: [String: SpecialToken]

    /// A template processor; every special token the templates name must be in `specialTokens`.
    public init(single: [Piece], pair: [Piece], specialTokens: [String: SpecialToken]) throws {
        for case let .specialToken(name, _) in single + pair where specialTokens[name] == nil {
            throw TokenizerError.unknownToken("\(name) (used by the template but missing from special_tokens)")
        }
        self.single = single
        self.pair = pair
        self.specialTokens = specialTokens
    }

    /// BERT's templates: `[CLS] $A [SEP]` and `[CLS] $A [SEP] $B:1 [SEP]:1`.
    public static func bert(classifier: (token: String, id: Int), separator: (token: String, id: Int)) -> TemplateProcessing {
        try! TemplateProcessing(
            single: [.specialToken(name: classifier.token, typeId: 0), .sequence(isPair: false, typeId: 0),
                     .specialToken(name: separator.token, typeId: 0)],
            pair: [.specialToken(name: classifier.token, typeId: 0), .sequence(isPair: false, typeId: 0),
                   .specialToken(name: separator.token, typeId: 0), .sequence(isPair: true, typeId: 1),
                   .specialToken(name: separator.token, typeId: 1)],
            specialTokens: [classifier.token: SpecialToken(ids: [classifier.id], tokens: [classifier.token]),
                            separator.token: SpecialToken(ids: [separator.id], tokens: [separator.token])])
    }

    /// Reads `{"type": "TemplateProcessing", "single": [...], "pair": [...], "special_tokens": {...}}`.
    /// Templates may be the serialized piece objects or the string form `"[CLS] $A [SEP]"`.
    public init(json: JSONObject) throws {
        func pieces(_ key: String) throws -> [Piece] {
            if let text = json.values[key] as? String {
                return try text.split(separator: " ").map { try TemplateProcessing.parsePiece(String($0), json: json, key: key) }
            }
            return try json.objects(key).map { item in
                if let special = try item.optionalObject("SpecialToken") {
                    return .specialToken(name: try special.string("id"), typeId: try special.optionalInt("type_id") ?? 0)
                }
                if let sequence = try item.optionalObject("Sequence") {
                    let id = try sequence.string("id")
                    guard id == "A" || id == "B" else { throw sequence.mismatch("id", expected: "\"A\" or \"B\"") }
                    return .sequence(isPair: id == "B", typeId: try sequence.optionalInt("type_id") ?? 0)
                }
                throw TokenizerError.invalidFile(path: json.path, field: item.field, expected: "{\"SpecialToken\": …} or {\"Sequence\": …}",
                                                 found: "keys \(item.values.keys.sorted())")
            }
        }
        var specials: [String: SpecialToken] = [:]
        if let object = try json.optionalObject("special_tokens") {
            for name in object.values.keys {
                let entry = try object.object(name)
                let ids = try entry.array("ids").enumerated().map { index, value in
                    guard let id = JSONObject.integer(value) else { throw entry.mismatch("ids", expected: "integer ids") }
                    _ = index
                    return id
                }
                guard let tokens = try entry.array("tokens") as? [String], tokens.count == ids.count else {
                    throw entry.mismatch("tokens", expected: "\(ids.count) token strings (one per id)")
                }
                specials[try entry.optionalString("id") ?? name] = SpecialToken(ids: ids, tokens: tokens)
            }
        }
        do {
            try self.init(single: try pieces("single"), pair: try pieces("pair"), specialTokens: specials)
        } catch TokenizerError.unknownToken(let message) {
            throw TokenizerError.invalidFile(path: json.path, field: json.fieldPath("special_tokens"),
                                             expected: "every special token the templates use", found: "no entry for \(message)")
        }
    }

    /// Parses `$A`, `$B:1`, `$0`, `$`, `[CLS]`, `[SEP]:1`.
    static func parsePiece(_ text: String, json: JSONObject, key: String) throws -> Piece {
        var name = Substring(text)
        var typeId = 0
        if let colon = text.lastIndex(of: ":"), let value = Int(text[text.index(after: colon)...]) {
            name = text[..<colon]
            typeId = value
        }
        if name.hasPrefix("$") {
            switch name.dropFirst() {
            case "", "A", "a": return .sequence(isPair: false, typeId: typeId)
            case "B", "b": return .sequence(isPair: true, typeId: typeId)
            default:
                if let value = Int(name.dropFirst()) { return .sequence(isPair: false, typeId: value) }
                throw json.mismatch(key, expected: "$A, $B or $N pieces")
            }
        }
        return .specialToken(name: String(name), typeId: typeId)
    }

    public func addedTokenCount(isPair: Bool) -> Int {
        (isPair ? pair : single).reduce(0) { count, piece in
            if case let .specialToken(name, _) = piece { return count + (specialTokens[name]?.ids.count ?? 0) }
            return count
        }
    }

    public func process(_ first: consuming Encoding, pair second: Encoding?) -> Encoding {
        let template = second == nil ? single : pair
        // The usual shape (specials, $A once, then specials and $B): reuse the first sequence's storage.
        var firstPieceCount = 0
        var firstIndex: Int? = nil
        for (index, piece) in template.enumerated() {
            if case .sequence(false, _) = piece {
                firstPieceCount += 1
                firstIndex = firstIndex ?? index
            }
        }
        if firstPieceCount == 1, let firstIndex, case let .sequence(_, firstType) = template[firstIndex],
           !template[..<firstIndex].contains(where: { if case .sequence = $0 { return true } else { return false } }) {
            var result = first
            for i in result.typeIds.indices where result.typeIds[i] != firstType { result.typeIds[i] = firstType }
            var insertAt = 0
            for case let .specialToken(name, typeId) in template[..<firstIndex] {
                guard let special = specialTokens[name] else { continue }
                for (id, token) in zip(special.ids, special.tokens) {
                    result.insertSpecial(id: id, token: token, typeId: typeId, at: insertAt)
                    insertAt += 1
                }
            }
            // After the single $A, every sequence piece is $B (the template has one $A).
            for piece in template[(firstIndex + 1)...] { append(piece, first: nil, pair: second, to: &result) }
            return result
        }
        var result = Encoding(capacity: first.count + (second?.count ?? 0) + 4)
        let whole = copy first
        for piece in template { append(piece, first: whole, pair: second, to: &result) }
        return result
    }

    /// Appends one template piece: a sequence (with its type id) or a special token's ids.
    private func append(_ piece: Piece, first: Encoding?, pair second: Encoding?, to result: inout Encoding) {
        switch piece {
        case let .sequence(isPair, typeId):
            guard let part = isPair ? second : first else { return }
            let start = result.count
            result.append(contentsOf: part)
            for i in start..<result.count { result.typeIds[i] = typeId }
        case let .specialToken(name, typeId):
            guard let special = specialTokens[name] else { return }
            for (id, token) in zip(special.ids, special.tokens) {
                result.append(id: id, token: token, typeId: typeId, offsets: 0..<0, wordId: nil, sequenceId: nil, isSpecial: true)
            }
        }
    }
}
