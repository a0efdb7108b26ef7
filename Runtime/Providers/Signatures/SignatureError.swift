/// Why a provider callback or webhook signature was not accepted.
///
/// The message says what is wrong without repeating secrets, signatures or bodies, so it can be
/// logged and returned to the caller as is.
public struct SignatureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The signature (or a header or parameter it needs) was not sent.
        public static let missing = Code(rawValue: "signature_missing")
        /// The signature is well formed but does not match the request.
        public static let mismatch = Code(rawValue: "signature_mismatch")
        /// The signed timestamp is outside the accepted window (a replay or a badly wrong clock).
        public static let stale = Code(rawValue: "signature_stale")
        /// The signature, timestamp, key or secret cannot be parsed.
        public static let malformed = Code(rawValue: "signature_malformed")

        public var description: String { rawValue }
    }

    /// The reason, stable across releases.
    public var code: Code
    /// One sentence saying what is wrong; never contains secrets.
    public var message: String

    /// Creates an error with a code and a sentence.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
