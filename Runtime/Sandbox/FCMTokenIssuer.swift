import Foundation
import Synchronization

/// Access tokens the FCM token endpoint issued, and their expiry.
final class FCMTokenIssuer: Sendable {
    private let tokens = Mutex<[String: ContinuousClock.Instant]>([:])

    /// Issues a token valid for `lifetime`.
    func issue(lifetime: Duration) -> String {
        let token = "ya29.sandbox." + SandboxCredentials.randomToken(32)
        let now = ContinuousClock.now
        tokens.withLock { tokens in
            if tokens.count > 10_000 { tokens = tokens.filter { $0.value > now } }
            tokens[token] = now + lifetime
        }
        return token
    }

    /// Whether the token was issued here and has not expired.
    func isValid(_ token: String) -> Bool {
        tokens.withLock { $0[token].map { $0 > ContinuousClock.now } ?? false }
    }
}
