import Foundation

extension DataTable {
    /// Reads a JSON Lines file: one JSON object per line (blank lines skipped), each with the same
    /// keys, whose values are strings, numbers, booleans, or arrays of numbers. Each column's type is
    /// inferred across all lines: integers (doubles if any value has a fraction or exponent),
    /// booleans, strings, integer arrays (float arrays if any element is not an integer).
    /// Columns are in the first line's key order.
    ///
    /// Throws a ``DataError`` naming the file and line for a line that is not a JSON object, a
    /// value of an unsupported type (null, nested object), keys that differ from the first
    /// line's, or a value whose type disagrees with the column's.
    public static func readJSONLines(path: String) throws -> DataTable {
        let bytes = try readFileBytes(path: path)
        let decoder = JSONDecoder()
        var names: [String] = []
        var values = [String: [TableValue]]()
        var lineNumbers: [Int] = []
        var line = 0
        var start = 0
        let n = bytes.count
        while start < n {
            var end = start
            while end < n && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            line += 1
            var slice = bytes[start..<end]
            if slice.last == UInt8(ascii: "\r") { slice = slice.dropLast() }
            start = end + 1
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let object: JSONLineObject
            do {
                object = try decoder.decode(JSONLineObject.self, from: Data(slice))
            } catch let error as JSONLineObject.UnsupportedValue {
                throw DataError.invalidField(path: path, field: "line \(line), key '\(error.key)'",
                                             expected: "a string, number, boolean or array of numbers",
                                             found: error.found)
            } catch {
                let text = String(decoding: slice.prefix(60), as: UTF8.self)
                throw DataError.invalidField(path: path, field: "line \(line)", expected: "one JSON object",
                                             found: "'\(text)\(slice.count > 60 ? "…" : "")'")
            }
            if lineNumbers.isEmpty {
                let ordered = JSONLineObject.topLevelKeys(in: Array(slice), decoder: decoder)
                names = Set(ordered) == Set(object.keys) && ordered.count == object.keys.count ? ordered : object.keys.sorted()
                for name in names { values[name] = [] }
            }
            guard object.keys.count == names.count, object.keys.allSatisfy({ values[$0] != nil }) else {
                throw DataError.invalidField(path: path, field: "line \(line)",
                                             expected: "keys \(names.sorted()) (as line \(lineNumbers[0]))",
                                             found: "keys \(object.keys.sorted())")
            }
            for (key, value) in zip(object.keys, object.values) { values[key]!.append(value) }
            lineNumbers.append(line)
        }
        return try DataTable(columns: names.map { name in
            (name, try column(from: values[name]!, name: name, path: path, rowLabel: { "line \(lineNumbers[$0])" }))
        })
    }
}

/// One line of a JSON Lines file: its keys (in the decoder's order) and cells.
struct JSONLineObject: Decodable {
    var keys: [String] = []
    var values: [TableValue] = []

    /// A value that is valid JSON but cannot be a table cell.
    struct UnsupportedValue: Error {
        let key: String
        let found: String
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            keys.append(key.stringValue)
            values.append(try JSONLineObject.cell(in: container, key: key))
        }
    }

    /// The keys of the JSON object in `bytes`, in document order (Foundation's decoder does not
    /// keep it). Expects a valid object (already decoded).
    static func topLevelKeys(in bytes: [UInt8], decoder: JSONDecoder) -> [String] {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var keys = [String]()
        var depth = 0
        var i = 0
        var expectingKey = false
        while i < bytes.count {
            let b = bytes[i]
            if b == quote {
                let start = i
                i += 1
                while i < bytes.count && bytes[i] != quote { i += bytes[i] == backslash ? 2 : 1 }
                if depth == 1 && expectingKey,
                   let key = try? decoder.decode(String.self, from: Data(bytes[start...Swift.min(i, bytes.count - 1)])) {
                    keys.append(key)
                    expectingKey = false
                }
            } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                depth += 1
                if depth == 1 { expectingKey = true }
            } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                depth -= 1
            } else if b == UInt8(ascii: ",") && depth == 1 {
                expectingKey = true
            }
            i += 1
        }
        return keys
    }

    private static func cell(in container: KeyedDecodingContainer<Key>, key: Key) throws -> TableValue {
        if try container.decodeNil(forKey: key) { throw UnsupportedValue(key: key.stringValue, found: "null") }
        if let v = try? container.decode(Bool.self, forKey: key) { return .bool(v) }
        if let v = try? container.decode(Int.self, forKey: key) { return .int(v) }
        if let v = try? container.decode(Double.self, forKey: key) { return .double(v) }
        if let v = try? container.decode(String.self, forKey: key) { return .string(v) }
        if let v = try? container.decode([Int].self, forKey: key) { return .integers(v) }
        if let v = try? container.decode([Float].self, forKey: key) { return .floats(v) }
        if (try? container.nestedUnkeyedContainer(forKey: key)) != nil {
            throw UnsupportedValue(key: key.stringValue, found: "an array that is not all numbers")
        }
        throw UnsupportedValue(key: key.stringValue, found: "a nested object")
    }
}
