import Foundation
import Testing
@testable import FlintData

@Suite struct TableReaderTests {
    @Test func readsRFC4180CSV() throws {
        let directory = TemporaryDirectory()
        let csv = "id,text,score,flag\r\n1,plain,0.5,true\r\n2,\"with, comma\",1,false\r\n"
            + "3,\"say \"\"hi\"\"\",2.25,True\r\n4,\"two\r\nlines\",-3e2,false\r\n\r\n5,,7,false"
        let path = directory.write(Array(csv.utf8), to: "data.csv")
        let table = try DataTable.readCSV(path: path)
        #expect(table.columnNames == ["id", "text", "score", "flag"])
        #expect(table.count == 5)
        #expect(table[column: "id"] == .integers([1, 2, 3, 4, 5]))
        #expect(table[column: "text"] == .strings(["plain", "with, comma", "say \"hi\"", "two\r\nlines", ""]))
        #expect(table[column: "score"] == .doubles([0.5, 1, 2.25, -300, 7]))
        #expect(table[column: "flag"] == .booleans([true, false, true, false, false]))
    }

    @Test func readsTSVAndUTF8() throws {
        let directory = TemporaryDirectory()
        let path = directory.write(Array("text\tlabel\n好评，推荐\t1\n\"a\tb\"\t0\n".utf8), to: "data.tsv")
        let table = try DataTable.readTSV(path: path)
        #expect(table[column: "text"] == .strings(["好评，推荐", "a\tb"]))
        #expect(table[column: "label"] == .integers([1, 0]))
    }

    @Test func csvErrorsNameFileLineAndExpectation() throws {
        let directory = TemporaryDirectory()
        // The record on line 4 starts after a quoted field spanning lines 2–3.
        let short = directory.write(Array("a,b\n\"x\ny\",1\n2\n".utf8), to: "short.csv")
        let error = dataError { _ = try DataTable.readCSV(path: short) }
        #expect(error == .invalidField(path: short, field: "line 4", expected: "2 fields (as in the header)", found: "1"))

        let unterminated = directory.write(Array("a\n\"open\n".utf8), to: "open.csv")
        #expect(dataError { _ = try DataTable.readCSV(path: unterminated) }?.field == "line 2")

        let stray = directory.write(Array("a,b\n1,x\"y\n".utf8), to: "stray.csv")
        #expect(dataError { _ = try DataTable.readCSV(path: stray) }?.field == "line 2, field 2")

        let afterQuote = directory.write(Array("a\n\"x\"y\n".utf8), to: "after.csv")
        #expect(dataError { _ = try DataTable.readCSV(path: afterQuote) }?.field == "line 2")

        let missing = directory.path + "/missing.csv"
        #expect(dataError { _ = try DataTable.readCSV(path: missing) }?.path == missing)
    }

    @Test func readsJSONLinesWithTypeInference() throws {
        let directory = TemporaryDirectory()
        let jsonl = """
        {"text": "first", "label": 1, "ids": [1, 2, 3], "weight": 1, "ok": true, "emb": [1, 2]}

        {"text": "second \\"quoted\\"", "label": 0, "ids": [], "weight": 0.5, "ok": false, "emb": [0.5]}\r

        """
        let path = directory.write(Array(jsonl.utf8), to: "data.jsonl")
        let table = try DataTable.readJSONLines(path: path)
        #expect(table.columnNames == ["text", "label", "ids", "weight", "ok", "emb"])
        #expect(table[column: "text"] == .strings(["first", "second \"quoted\""]))
        #expect(table[column: "label"] == .integers([1, 0]))
        #expect(table[column: "ids"] == .integerArrays([[1, 2, 3], []]))
        #expect(table[column: "weight"] == .doubles([1, 0.5]))
        #expect(table[column: "ok"] == .booleans([true, false]))
        #expect(table[column: "emb"] == .floatArrays([[1, 2], [0.5]]))

        let nested = directory.write(Array(#"{"z\"q": {"a": [1, {"b": 2}]}, "y": 1}"#.utf8), to: "keys.json")
        #expect(JSONLineObject.topLevelKeys(in: try DataTable.readFileBytes(path: nested), decoder: JSONDecoder()) == ["z\"q", "y"])
    }

    @Test func jsonLinesErrorsNameFileAndLine() throws {
        let directory = TemporaryDirectory()
        let malformed = directory.write(Array("{\"a\": 1}\n{\"a\": 2\n".utf8), to: "bad.jsonl")
        let error = dataError { _ = try DataTable.readJSONLines(path: malformed) }
        #expect(error?.field == "line 2")
        #expect(error?.description.contains("expected one JSON object") == true)

        let keys = directory.write(Array("{\"a\": 1}\n\n{\"b\": 2}\n".utf8), to: "keys.jsonl")
        #expect(dataError { _ = try DataTable.readJSONLines(path: keys) }
                == .invalidField(path: keys, field: "line 3", expected: "keys [\"a\"] (as line 1)", found: "keys [\"b\"]"))

        let types = directory.write(Array("{\"a\": 1}\n{\"a\": \"x\"}\n".utf8), to: "types.jsonl")
        #expect(dataError { _ = try DataTable.readJSONLines(path: types) }?.field == "line 2, column 'a'")

        let null = directory.write(Array("{\"a\": null}\n".utf8), to: "null.jsonl")
        #expect(dataError { _ = try DataTable.readJSONLines(path: null) }?.field == "line 1, key 'a'")
    }
}
