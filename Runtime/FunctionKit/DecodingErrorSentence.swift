import Foundation

/// A decoding error as one sentence that names the field and what it should be, without echoing
/// the value — for function inputs and HTTP request bodies alike.
public enum DecodingErrorSentence {
    /// For example `field "to.users[0]" must be a string`.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : text
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "field \"\(path(context.codingPath))\" must be \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "field \"\(path(context.codingPath))\" must be \(typeName(type)), not null"
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "field \"\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)\" is required"
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return field.isEmpty ? "the input is not valid JSON" : "field \"\(field)\": \(context.debugDescription)"
        @unknown default:
            return "the input does not match the expected shape"
        }
    }

    /// A type as a person would name it: "a string", "an integer", "an array".
    public static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is Date.Type: "an ISO 8601 date-time such as 2026-11-23T09:00:00Z"
        default:
            "\(type)".contains("Dictionary")
                ? "an object" : ("\(type)".hasPrefix("Array") ? "an array" : "an object")
        }
    }
}
