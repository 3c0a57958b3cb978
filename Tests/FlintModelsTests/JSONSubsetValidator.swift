import Foundation

/// An independent validator for the JSON Schema subset of JSON mode (type and type lists, enum, const,
/// properties with additionalProperties false implied, required, items, minItems, maxItems), written from the
/// JSON Schema specification for the tests: it shares no code with the automaton it checks.
enum JSONSubsetValidator {
    /// The first violation as `path: message`, or nil when `value` (a `JSONSerialization` object) is valid.
    static func violation(_ value: Any, _ schema: [String: Any], path: String = "$") -> String? {
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { equal($0, value) }) { return "\(path): not in enum" }
        if let constant = schema["const"], !equal(constant, value) { return "\(path): not const" }
        if let type = schema["type"] {
            let names = (type as? [String]) ?? [type as! String]
            guard names.contains(where: { matches(value, $0) }) else { return "\(path): not of type \(names)" }
        }
        if let object = value as? [String: Any], let properties = schema["properties"] as? [String: Any] {
            for key in object.keys where properties[key] == nil { return "\(path).\(key): not allowed" }
            for name in (schema["required"] as? [String]) ?? [] where object[name] == nil { return "\(path).\(name): missing" }
            for (key, child) in object {
                if let problem = violation(child, properties[key] as! [String: Any], path: "\(path).\(key)") { return problem }
            }
        }
        if let array = value as? [Any] {
            if let minimum = schema["minItems"] as? Int, array.count < minimum { return "\(path): fewer than \(minimum) items" }
            if let maximum = schema["maxItems"] as? Int, array.count > maximum { return "\(path): more than \(maximum) items" }
            if let items = schema["items"] as? [String: Any] {
                for (index, item) in array.enumerated() {
                    if let problem = violation(item, items, path: "\(path)[\(index)]") { return problem }
                }
            }
        }
        return nil
    }

    static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber, !(value is String) else { return false }
        return String(cString: number.objCType) == "c"
    }

    static func matches(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "null": return value is NSNull
        case "boolean": return isBoolean(value)
        case "number": return !isBoolean(value) && value is NSNumber && !(value is String)
        case "integer":
            guard !isBoolean(value), !(value is String), let number = value as? NSNumber else { return false }
            return number.doubleValue.rounded() == number.doubleValue
        default: return false
        }
    }

    static func equal(_ a: Any, _ b: Any) -> Bool {
        if isBoolean(a) || isBoolean(b) { return isBoolean(a) && isBoolean(b) && (a as! NSNumber).boolValue == (b as! NSNumber).boolValue }
        if let x = a as? String, let y = b as? String { return x == y }
        if a is String || b is String { return false }
        if let x = a as? NSNumber, let y = b as? NSNumber { return x.doubleValue == y.doubleValue }
        if a is NSNull && b is NSNull { return true }
        if let x = a as? [Any], let y = b as? [Any] { return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) } }
        if let x = a as? [String: Any], let y = b as? [String: Any] {
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { equal(value, $0) } ?? false }
        }
        return false
    }
}
