/// Why a cron expression was refused: a stable code, the field at fault, and what to fix.
public struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable codes, shown to API callers as the problem's `code`.
    public enum Code: String, Sendable {
        /// Not 5 or 6 fields, and not a known `@` macro.
        case fieldCount = "cron_field_count"
        /// A field holds something that is not a value, a name, a range or a step.
        case invalidField = "cron_invalid_field"
        /// A value is outside the field's range (minute 0-59, hour 0-23, …).
        case valueOutOfRange = "cron_value_out_of_range"
        /// A range whose end is before its start.
        case invalidRange = "cron_invalid_range"
        /// A step that is not a positive whole number.
        case invalidStep = "cron_invalid_step"
        /// `@something` that is not `@yearly`, `@monthly`, `@weekly`, `@daily` or `@hourly`.
        case unknownMacro = "cron_unknown_macro"
        /// The expression is valid but no date ever matches (such as `0 0 30 2 *`).
        case neverFires = "cron_never_fires"
    }

    /// The stable code.
    public let code: Code
    /// The field at fault, when one is.
    public let field: CronField.Kind?
    /// A sentence naming the field and saying what to fix.
    public let message: String

    /// Creates an error about one field.
    init(_ code: Code, _ field: CronField.Kind, _ text: Substring, _ problem: String) {
        self.code = code
        self.field = field
        self.message = "the \(field.rawValue) field \"\(text)\" is invalid: \(problem)"
    }

    /// Creates an error about the whole expression.
    init(_ code: Code, _ message: String) {
        self.code = code
        self.field = nil
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
