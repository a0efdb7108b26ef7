/// An error of the shared model, with a stable machine-readable code and a sentence that says what
/// to fix. Messages never contain personal data or secrets.
public struct ModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable code such as `invalid_phone_number`.
    public let code: String
    /// What went wrong and what to do about it.
    public let message: String

    /// Creates an error.
    public init(code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
