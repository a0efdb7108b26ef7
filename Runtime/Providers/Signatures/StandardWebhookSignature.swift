import Crypto
import Foundation

/// Standard Webhooks signatures (https://www.standardwebhooks.com): `webhook-signature` is
/// `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`, keyed with the bytes of a `whsec_` secret.
///
/// The webhook client signs outbound deliveries with it; receivers (and tests) verify.
public struct StandardWebhookSignature: Sendable {
    /// The unique message id header; stays the same across retries of one message.
    public static let idHeader = "webhook-id"
    /// The unix-seconds timestamp header.
    public static let timestampHeader = "webhook-timestamp"
    /// The space-separated list of `v1,<base64>` signatures.
    public static let signatureHeader = "webhook-signature"
    /// The replay window the specification recommends.
    public static let defaultTolerance: Duration = .seconds(300)

    private let key: SymmetricKey

    /// Creates a signer from a secret, `whsec_` followed by base64 (the prefix may be omitted).
    public init(secret: String) throws(SignatureError) {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else {
            throw SignatureError(.malformed, "The webhook signing secret is not whsec_ followed by base64.")
        }
        self.key = SymmetricKey(data: bytes)
    }

    /// Creates a signer from raw key bytes.
    public init(key: some ContiguousBytes) {
        self.key = SymmetricKey(data: key)
    }

    /// A new random secret in the `whsec_` form (24 bytes, as common implementations use).
    public static func generateSecret() -> String {
        let key = SymmetricKey(size: .init(bitCount: 192))
        return "whsec_" + key.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// The `webhook-signature` value for one message: `v1,<base64>`.
    public func sign(id: String, timestamp: Int64, body: some DataProtocol) -> String {
        "v1," + Data(mac(id: id, timestamp: String(timestamp), body: body)).base64EncodedString()
    }

    /// The three headers for one delivery.
    public func headers(id: String, timestamp: Int64, body: some DataProtocol) -> [(name: String, value: String)] {
        [
            (Self.idHeader, id),
            (Self.timestampHeader, String(timestamp)),
            (Self.signatureHeader, sign(id: id, timestamp: timestamp, body: body)),
        ]
    }

    /// Verifies a delivery: one of the `v1` signatures must match and the timestamp must be within
    /// `tolerance` of `now`. Signatures of other versions are ignored.
    public func verify(
        id: String?, timestamp: String?, signature: String?, body: some DataProtocol, now: Date = Date(),
        tolerance: Duration = defaultTolerance
    ) throws(SignatureError) {
        guard let id, !id.isEmpty else {
            throw SignatureError(.missing, "The request has no \(Self.idHeader) header.")
        }
        guard let signature, !signature.isEmpty else {
            throw SignatureError(.missing, "The request has no \(Self.signatureHeader) header.")
        }
        _ = try SignatureSupport.checkTimestamp(timestamp, now: now, tolerance: tolerance, scheme: "webhook")
        let expected = mac(id: id, timestamp: timestamp ?? "", body: body)
        var sawV1 = false
        for entry in signature.split(separator: " ") {
            guard let comma = entry.firstIndex(of: ","), entry[..<comma] == "v1" else { continue }
            sawV1 = true
            guard let candidate = Data(base64Encoded: String(entry[entry.index(after: comma)...])) else { continue }
            if SignatureSupport.constantTimeEqual(candidate, expected) { return }
        }
        guard sawV1 else {
            throw SignatureError(.malformed, "The \(Self.signatureHeader) header has no v1 signature.")
        }
        throw SignatureError(.mismatch, "No webhook signature matches the id, timestamp and body with this secret.")
    }

    private func mac(id: String, timestamp: String, body: some DataProtocol) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return Array(hmac.finalize())
    }
}
