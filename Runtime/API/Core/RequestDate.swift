import Foundation
import NotifyModel

/// How request bodies' date fields (`send_at`, `start_at`) are read: ISO 8601 date-times with an
/// offset, strictly (``OffsetDateTime``), as the SQL producers read them.
///
/// A custom strategy rather than `.iso8601`, because Foundation's own strategy loses the field's
/// coding path in its error, so that a bad `send_at` was answered as malformed JSON.
enum RequestDate {
    /// What a date field takes, as error details say it.
    static let expectedForm = "an ISO 8601 date-time with an offset, such as 2030-01-01T09:00:00Z"

    /// The decoder's date strategy: a string in ISO 8601 form with an offset, or a 400 problem
    /// naming the field (``DecodingProblem/invalidDate(at:text:)``).
    static let strategy = JSONDecoder.DateDecodingStrategy.custom { decoder in
        let text = try? decoder.singleValueContainer().decode(String.self)
        guard let text, let date = OffsetDateTime.instant(parsing: text) else {
            throw DecodingProblem.invalidDate(at: decoder.codingPath, text: text)
        }
        return date
    }
}
