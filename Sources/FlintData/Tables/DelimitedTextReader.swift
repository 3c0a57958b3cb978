import Foundation

extension DataTable {
    /// Reads a CSV file (RFC 4180): a header row of column names, then one record per row; fields
    /// separated by commas, optionally in double quotes, where a quoted field may hold commas,
    /// line breaks and doubled quotes (`""` for `"`). Lines end in LF or CRLF; blank lines are
    /// skipped. Each column's type is inferred: integers if every field is an integer, else doubles
    /// if every field is a number, else booleans if every field is `true`/`false`, else strings.
    ///
    /// Throws a ``DataError`` naming the file and line for a record with the wrong number of fields,
    /// a stray or unterminated quote, or bytes that are not UTF-8.
    public static func readCSV(path: String) throws -> DataTable {
        try readDelimited(path: path, separator: UInt8(ascii: ","))
    }

    /// Reads a TSV file: as ``readCSV(path:)`` with tab-separated fields.
    public static func readTSV(path: String) throws -> DataTable {
        try readDelimited(path: path, separator: UInt8(ascii: "\t"))
    }

    /// Parses delimited text with a header row (see ``readCSV(path:)``).
    static func readDelimited(path: String, separator: UInt8) throws -> DataTable {
        let bytes = try readFileBytes(path: path)
        let records = try DelimitedTextParser(bytes: bytes, separator: separator, path: path).records()
        guard let header = records.first else {
            throw DataError.invalidField(path: path, field: "line 1", expected: "a header row of column names",
                                         found: "an empty file")
        }
        var seen = Set<String>()
        for name in header.fields where !seen.insert(name).inserted {
            throw DataError.invalidField(path: path, field: "line \(header.line)", expected: "unique column names",
                                         found: "'\(name)' twice")
        }
        let width = header.fields.count
        var cells = [[String]](repeating: [], count: width)
        for c in 0..<width { cells[c].reserveCapacity(records.count - 1) }
        for record in records.dropFirst() {
            guard record.fields.count == width else {
                throw DataError.invalidField(path: path, field: "line \(record.line)",
                                             expected: "\(width) fields (as in the header)",
                                             found: "\(record.fields.count)")
            }
            for c in 0..<width { cells[c].append(record.fields[c]) }
        }
        return try DataTable(columns: zip(header.fields, cells).map { ($0, inferColumn($1)) })
    }

    /// The narrowest column type that holds every field (see ``readCSV(path:)``).
    static func inferColumn(_ fields: [String]) -> TableColumn {
        guard !fields.isEmpty else { return .strings([]) }
        var ints = [Int]()
        ints.reserveCapacity(fields.count)
        for f in fields {
            guard let v = Int(f) else { break }
            ints.append(v)
        }
        if ints.count == fields.count { return .integers(ints) }
        var doubles = [Double]()
        doubles.reserveCapacity(fields.count)
        for f in fields {
            guard !f.isEmpty, f.first != " ", let v = Double(f) else { break }
            doubles.append(v)
        }
        if doubles.count == fields.count { return .doubles(doubles) }
        if fields.allSatisfy({ $0 == "true" || $0 == "false" || $0 == "True" || $0 == "False" }) {
            return .booleans(fields.map { $0 == "true" || $0 == "True" })
        }
        return .strings(fields)
    }

    /// The whole file, or a ``DataError`` saying why it cannot be read.
    static func readFileBytes(path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError.missingFile(path: path, hint: "Check the path.")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError.unreadable(path: path, reason: "the file cannot be opened")
        }
        return [UInt8](data)
    }
}

/// A record of delimited text: its fields and the line it starts on (1-based).
struct DelimitedRecord {
    var fields: [String]
    var line: Int
}

/// An RFC 4180 parser over the bytes of a file, with line numbers for errors.
struct DelimitedTextParser {
    let bytes: [UInt8]
    let separator: UInt8
    let path: String

    func records() throws -> [DelimitedRecord] {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var records = [DelimitedRecord]()
        var fields = [String]()
        var field = [UInt8]()
        var line = 1
        var recordLine = 1
        var i = 0
        var fieldStarted = false  // the record has content (so a blank line is skipped)
        let n = bytes.count

        func finishField() throws {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw DataError.invalidField(path: path, field: "line \(recordLine), field \(fields.count + 1)",
                                             expected: "UTF-8 text", found: "bytes that are not UTF-8")
            }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
        }
        func finishRecord() throws {
            try finishField()
            records.append(DelimitedRecord(fields: fields, line: recordLine))
            fields.removeAll(keepingCapacity: true)
            fieldStarted = false
        }

        while i < n {
            let b = bytes[i]
            if b == quote && field.isEmpty {
                // Quoted field: runs to the closing quote; "" is a literal quote.
                fieldStarted = true
                let openLine = line
                i += 1
                var closed = false
                while i < n {
                    let c = bytes[i]
                    if c == quote {
                        if i + 1 < n && bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                        closed = true; i += 1; break
                    }
                    if c == lf { line += 1 }
                    field.append(c)
                    i += 1
                }
                guard closed else {
                    throw DataError.invalidField(path: path, field: "line \(openLine)",
                                                 expected: "a closing quote for the field opened on this line",
                                                 found: "end of file")
                }
                // After the closing quote: a separator, a line end, or the end of the file.
                if i < n {
                    let c = bytes[i]
                    if c == separator { try finishField(); i += 1; continue }
                    if c == lf { try finishRecord(); line += 1; i += 1; recordLine = line; continue }
                    if c == cr && i + 1 < n && bytes[i + 1] == lf {
                        try finishRecord(); line += 1; i += 2; recordLine = line; continue
                    }
                    throw DataError.invalidField(path: path, field: "line \(line)",
                                                 expected: "a separator or line end after a closing quote",
                                                 found: "'\(Character(Unicode.Scalar(c)))'")
                }
                continue
            }
            if b == separator {
                fieldStarted = true
                try finishField(); i += 1; continue
            }
            if b == lf || (b == cr && i + 1 < n && bytes[i + 1] == lf) {
                if fieldStarted || !field.isEmpty { try finishRecord() } else { fields.removeAll() }
                i += b == lf ? 1 : 2
                line += 1
                recordLine = line
                continue
            }
            if b == quote {
                throw DataError.invalidField(path: path, field: "line \(line), field \(fields.count + 1)",
                                             expected: "quotes only around a whole field",
                                             found: "a quote inside an unquoted field")
            }
            fieldStarted = true
            field.append(b)
            i += 1
        }
        if fieldStarted || !field.isEmpty { try finishRecord() }
        return records
    }
}
