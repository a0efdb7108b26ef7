import Foundation
import NotifyFunctionKit
import NotifyModel

/// Turns a request body's `DecodingError` into a 400 problem that names the field and says what it
/// should be, never with a Swift type name: a value no case of an enumeration has lists the
/// accepted ones (`invalid_<field>`); anything else is `invalid_body` with
/// ``NotifyFunctionKit/DecodingErrorSentence``. Dates that cannot be read are refused as they are
/// decoded (``invalidDate(at:text:)``).
enum DecodingProblem {
    /// The problem for `error`.
    static func problem(for error: DecodingError) -> APIError {
        if case .dataCorrupted(let context) = error, !context.codingPath.isEmpty,
            let rejection = RequestEnumValues.rejection(in: context.debugDescription)
        {
            var detail = "field \"\(fieldPath(context.codingPath))\": unknown value \"\(rejection.value.prefix(40))\""
            if let accepted = rejection.accepted { detail += "; use \(RequestEnumValues.alternatives(accepted))" }
            return APIError(.badRequest, code: code(for: context.codingPath), detail)
        }
        return APIError(.badRequest, code: "invalid_body", DecodingErrorSentence.describe(error))
    }

    /// The problem for a date field whose value is not an ISO 8601 date-time with an offset:
    /// `invalid_send_at` for `send_at`, naming its place (`notifications[1].send_at`).
    static func invalidDate(at codingPath: [any CodingKey], text: String? = nil) -> APIError {
        // A text already in the form gets told what is wrong with it instead of the form again.
        if let text, OffsetDateTime.namesNoSuchInstant(text) {
            return APIError(
                .badRequest, code: code(for: codingPath),
                "field \"\(fieldPath(codingPath))\": \"\(text)\" names a date or time that does not exist; "
                    + "check the day of the month and the hour")
        }
        var detail = "field \"\(fieldPath(codingPath))\" must be \(RequestDate.expectedForm)"
        if codingPath.last?.stringValue == "send_at" {
            detail += "; for a wall-clock time in each recipient's own zone, use \"send_at_local\""
        }
        return APIError(.badRequest, code: code(for: codingPath), detail)
    }

    /// `notifications[1].send_at`.
    static func fieldPath(_ codingPath: [any CodingKey]) -> String {
        let text = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
        return text.hasPrefix(".") ? String(text.dropFirst()) : text
    }

    /// `invalid_` and the field's own name; `invalid_body` for an array element.
    static func code(for codingPath: [any CodingKey]) -> String {
        guard let last = codingPath.last, last.intValue == nil else { return "invalid_body" }
        return "invalid_\(last.stringValue)"
    }
}
