import Hummingbird
import NotifyProviders

/// The Basic auth pairs an endpoint accepts, each with its header value made once.
///
/// A request whose header carries one of those values exactly is accepted without decoding
/// anything (every Twilio send); any other spelling of the same pair (base64 with other unused
/// bits) is decoded and compared, as before.
struct AcceptedBasicCredentials: Sendable {
    let pairs: [(user: String, password: String)]
    private let encoded: [String]

    init(_ pairs: [(user: String, password: String)]) {
        self.pairs = pairs
        // The header value a provider client sends, less its scheme.
        self.encoded = pairs.map {
            String(basicAuthorization(user: $0.user, password: $0.password).dropFirst("Basic ".count))
        }
    }

    /// Whether the request's Basic Authorization header carries one of the pairs.
    func accept(_ request: Request) -> Bool {
        if let given = request.basicCredentialsText, encoded.contains(where: { given == $0[...] }) { return true }
        guard let credentials = request.basicCredentials else { return false }
        return pairs.contains { $0 == credentials }
    }
}
