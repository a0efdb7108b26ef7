/// A peer broke the SMTP framing: a line too long or a reply that does not parse.
public struct SMTPProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable code for the framing problem.
    public enum Code: String, Sendable, Hashable {
        /// A line exceeded the decoder's maximum length.
        case lineTooLong = "smtp_line_too_long"
        /// A reply line did not start with three digits and a separator.
        case malformedReply = "smtp_malformed_reply"
    }

    /// Which framing rule was broken.
    public var code: Code
    /// A sentence saying what happened, without any of the peer's text.
    public var message: String

    /// Creates a framing error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The code and the sentence.
    public var description: String { "\(code.rawValue): \(message)" }
}
