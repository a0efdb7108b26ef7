import Foundation

/// One signed callback request, ready to post.
struct CallbackRequest: Sendable {
    var url: String
    var headers: [(name: String, value: String)]
    var body: Data
}

/// Callbacks for one message, posted in order with a pause before each (a status lifecycle).
struct CallbackJob: Sendable {
    var requests: [CallbackRequest]
}

/// How callback deliveries went, for the control API.
public struct CallbackCounts: Codable, Sendable, Hashable {
    /// Callbacks answered 2xx.
    public var delivered = 0
    /// Attempts answered non-2xx or not answered (each retry counts).
    public var failedAttempts = 0
    /// Callbacks given up after the last attempt.
    public var abandoned = 0

    /// Zero counts.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case delivered
        case failedAttempts = "failed_attempts"
        case abandoned
    }
}
