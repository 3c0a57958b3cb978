import Foundation

/// A `multipart/form-data` body (RFC 7578), as OpenAI clients upload files: parts separated by `--BOUNDARY`
/// lines, each with headers (`Content-Disposition: form-data; name="…"; filename="…"`, `Content-Type`) and a body.
struct MultipartFormData {
    struct Part {
        var name: String
        var filename: String?
        var body: Data
    }

    var parts: [Part]

    /// The part named `name`.
    func part(_ name: String) -> Part? { parts.first { $0.name == name } }

    /// The `boundary` parameter of a `multipart/form-data` content type, nil for any other type.
    static func boundary(contentType: String) -> String? {
        let items = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard items.first?.lowercased() == "multipart/form-data" else { return nil }
        for item in items.dropFirst() where item.lowercased().hasPrefix("boundary=") {
            var value = String(item.dropFirst("boundary=".count))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }

    /// Parses `body`; 400 `invalid_multipart` naming what is wrong.
    init(_ body: Data, boundary: String) throws {
        func invalid(_ message: String) -> APIError { APIError.badRequest("multipart/form-data: \(message)", code: "invalid_multipart") }
        let delimiter = Data(("--" + boundary).utf8)
        let separator = Data(("\r\n--" + boundary).utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        guard let first = body.range(of: delimiter) else { throw invalid("no --\(boundary) line") }
        var position = first.upperBound
        var parts = [Part]()
        while true {
            // After a delimiter: "--" ends the body, else CRLF and the part's headers.
            if body[position...].starts(with: Data("--".utf8)) { break }
            guard body[position...].starts(with: Data("\r\n".utf8)) else { throw invalid("a boundary line is not followed by CRLF") }
            position += 2
            guard let end = body.range(of: headerEnd, in: position..<body.endIndex) else { throw invalid("a part's headers do not end") }
            let headers = String(decoding: body[position..<end.lowerBound], as: UTF8.self)
            guard let next = body.range(of: separator, in: end.upperBound..<body.endIndex) else { throw invalid("the last part does not end with --\(boundary)--") }
            var name: String?, filename: String?
            for line in headers.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                for item in line.split(separator: ";").dropFirst() {
                    let pair = item.trimmingCharacters(in: .whitespaces)
                    guard let equals = pair.firstIndex(of: "=") else { continue }
                    let key = pair[..<equals].lowercased()
                    var value = String(pair[pair.index(after: equals)...])
                    if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                    if key == "name" { name = value } else if key == "filename" { filename = value }
                }
            }
            guard let name else { throw invalid("a part has no Content-Disposition name") }
            parts.append(Part(name: name, filename: filename, body: Data(body[end.upperBound..<next.lowerBound])))
            position = next.upperBound
        }
        self.parts = parts
    }
}
