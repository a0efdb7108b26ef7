import Crypto
import Foundation

/// SendGrid's signed Event Webhook: ECDSA P-256 with SHA-256 over the timestamp followed by the raw
/// body, sent as base64 DER (`shared/reference/provider-protocols.md` §2.3).
///
/// The engine verifies with the public key SendGrid shows (base64 DER `SubjectPublicKeyInfo`);
/// the sandbox signs with a generated private key through ``Signer``.
public struct SendGridEventSignature: Sendable {
    /// The header carrying the base64 DER signature.
    public static let signatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
    /// The header carrying the unix-seconds timestamp.
    public static let timestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
    /// How far the timestamp may be ahead of now (clock skew), unless the caller says otherwise.
    public static let defaultTolerance: Duration = .seconds(600)
    /// How old a timestamp may be, unless the caller says otherwise: SendGrid retries a POST our
    /// endpoint did not take for up to 24 hours (reference §2.2) and may send the signature it
    /// made first, so a shorter window would refuse, and lose, every late retry. A replay within
    /// the window changes nothing: events are deduplicated by `sg_event_id`, whose receipts are
    /// kept for 7 days.
    public static let defaultMaximumAge: Duration = .seconds(25 * 3600)

    /// The verification key.
    public let publicKey: P256.Signing.PublicKey

    /// Creates a verifier from the key as SendGrid shows it: base64 DER `SubjectPublicKeyInfo`
    /// (a PEM `PUBLIC KEY` with its armour lines is accepted too).
    public init(publicKey base64DER: String) throws(SignatureError) {
        let body =
            base64DER
            .split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.hasPrefix("-----") }
            .joined()
        guard let der = Data(base64Encoded: body) else {
            throw SignatureError(.malformed, "The SendGrid event webhook public key is not base64.")
        }
        do {
            self.publicKey = try P256.Signing.PublicKey(derRepresentation: der)
        } catch {
            throw SignatureError(
                .malformed, "The SendGrid event webhook public key is not a DER P-256 SubjectPublicKeyInfo.")
        }
    }

    /// Creates a verifier from a key object.
    public init(publicKey: P256.Signing.PublicKey) {
        self.publicKey = publicKey
    }

    /// Verifies one event POST against its raw body bytes.
    ///
    /// - Parameters:
    ///   - signature: the signature header value, nil if absent.
    ///   - timestamp: the timestamp header value, nil if absent.
    ///   - body: the raw request body, exactly as received.
    ///   - now: the current time (injected for tests).
    ///   - tolerance: how far the timestamp may be ahead of `now`.
    ///   - maximumAge: how far it may be behind.
    public func verify(
        signature: String?, timestamp: String?, body: some DataProtocol, now: Date = Date(),
        tolerance: Duration = defaultTolerance, maximumAge: Duration = defaultMaximumAge
    ) throws(SignatureError) {
        guard let signature, !signature.isEmpty else {
            throw SignatureError(.missing, "The request has no \(Self.signatureHeader) header.")
        }
        guard let timestamp, !timestamp.isEmpty else {
            throw SignatureError(.missing, "The request has no \(Self.timestampHeader) header.")
        }
        guard let der = Data(base64Encoded: signature.trimmingCharacters(in: .whitespaces)),
            let parsed = try? P256.Signing.ECDSASignature(derRepresentation: der)
        else {
            throw SignatureError(.malformed, "The \(Self.signatureHeader) header is not a base64 DER ECDSA signature.")
        }
        var message = Data(timestamp.utf8)
        message.append(contentsOf: body)
        guard publicKey.isValidSignature(parsed, for: message) else {
            throw SignatureError(
                .mismatch, "The SendGrid event signature does not match the timestamp and body with the configured key."
            )
        }
        _ = try SignatureSupport.checkTimestamp(
            timestamp, now: now, tolerance: tolerance, maximumAge: maximumAge, scheme: "SendGrid event")
    }

    /// Signs event POSTs the way SendGrid does (for the sandbox).
    public struct Signer: Sendable {
        /// The signing key.
        public let privateKey: P256.Signing.PrivateKey

        /// Creates a signer from a P-256 private key.
        public init(privateKey: P256.Signing.PrivateKey) {
            self.privateKey = privateKey
        }

        /// The public key as SendGrid shows it: base64 DER `SubjectPublicKeyInfo`.
        public var publicKeyBase64: String {
            privateKey.publicKey.derRepresentation.base64EncodedString()
        }

        /// The base64 DER signature of `timestamp` followed by `body`.
        public func sign(timestamp: Int64, body: some DataProtocol) -> String {
            var message = Data(String(timestamp).utf8)
            message.append(contentsOf: body)
            // Signing with a valid key over in-memory data does not fail.
            let signature = try! privateKey.signature(for: message)
            return signature.derRepresentation.base64EncodedString()
        }

        /// Both headers for a POST of `body` at `now`.
        public func headers(body: some DataProtocol, now: Date = Date()) -> [(name: String, value: String)] {
            let timestamp = Int64(now.timeIntervalSince1970)
            return [
                (SendGridEventSignature.signatureHeader, sign(timestamp: timestamp, body: body)),
                (SendGridEventSignature.timestampHeader, String(timestamp)),
            ]
        }
    }
}
