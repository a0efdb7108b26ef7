/// How a failure should be handled.
public enum FailureKind: Sendable, Hashable {
    /// Try again later with backoff; honour `retryAfter` when the provider gave one.
    case transient(retryAfter: Duration? = nil)
    /// The provider asked us to slow down: snooze for `retryAfter` without spending an attempt.
    case rateLimited(retryAfter: Duration)
    /// Retrying cannot help (bad input, invalid address): record the reason and stop.
    case permanent

    /// A transient failure with no Retry-After.
    public static var transient: FailureKind { .transient(retryAfter: nil) }
}

/// An error that says how it should be handled. Errors that do not conform are transient.
public protocol ClassifiedError: Error {
    /// Transient, rate-limited or permanent.
    var failureKind: FailureKind { get }
    /// A stable, machine-readable code such as `provider_unavailable`.
    var code: String { get }
}

/// The error a function throws to classify its failure, with a stable code and a message that says
/// what went wrong and, where it can, what to fix.
public struct FunctionError: ClassifiedError, CustomStringConvertible, Hashable {
    public let failureKind: FailureKind
    public let code: String
    /// A sentence for operators. Never put personal data or secrets here: it is logged and stored.
    public let message: String

    /// Creates an error.
    public init(_ kind: FailureKind, code: String, _ message: String) {
        self.failureKind = kind
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

extension Error {
    /// The failure kind of any error: its own when it is a ``ClassifiedError``, else transient.
    public var notifyFailureKind: FailureKind {
        (self as? any ClassifiedError)?.failureKind ?? .transient
    }

    /// The stable code of any error: its own when it is a ``ClassifiedError``, else `unclassified`.
    public var notifyErrorCode: String {
        (self as? any ClassifiedError)?.code ?? "unclassified"
    }
}
