import FlintData
import FlintText

extension DataTable {
    /// Tokenises the text column into `input_ids`, `attention_mask` and `token_type_ids` columns
    /// (unpadded: the ``Trainer`` pads each batch to its longest row), like
    /// `dataset.map(lambda b: tokenizer(b["text"], truncation=True, max_length=n), batched=True)`.
    ///
    /// - Parameters:
    ///   - tokenizer: the tokenizer; its own padding setting is ignored here.
    ///   - textColumn: the string column to tokenise.
    ///   - maximumLength: truncate to this many tokens, special tokens included (nil: the tokenizer's
    ///     truncation, else none).
    /// - Throws: ``FlintData/DataError`` naming the column when it is missing or not text.
    public func tokenized(with tokenizer: Tokenizer, textColumn: String = "text", maximumLength: Int? = nil) throws -> DataTable {
        guard let column = column(named: textColumn) else {
            throw DataError.invalidField(path: DataTable.inMemory, field: "column '\(textColumn)'",
                                         expected: "a text column to tokenise", found: "columns \(columnNames)")
        }
        guard column.strings != nil else {
            throw DataError.invalidField(path: DataTable.inMemory, field: "column '\(textColumn)'",
                                         expected: "strings", found: column.typeName)
        }
        var tokenizer = tokenizer
        tokenizer.padding = nil
        if let maximumLength { tokenizer.truncation = Truncation(maximumLength: maximumLength) }
        return try mapBatches(batchSize: 512) { batch in
            let encodings = tokenizer.encodeBatch(batch[column: textColumn].strings!)
            return ["input_ids": .integerArrays(encodings.map(\.ids)),
                    "attention_mask": .integerArrays(encodings.map(\.attentionMask)),
                    "token_type_ids": .integerArrays(encodings.map(\.typeIds))]
        }
    }
}
