import Crypto
import CryptoExtras
import Foundation

/// The accounts and keys the simulated providers accept, generated at start-up.
///
/// The string fields may be replaced before the sandbox starts (for stable values in a dev
/// setup); the keys are always fresh.
public struct SandboxCredentials: Sendable {
    /// The account SID (`AC…`) in the URL path and Basic auth user.
    public var twilioAccountSID: String
    /// The auth token: Basic auth password and the status callbacks' signing key.
    public var twilioAuthToken: String
    /// An API key (`SK…`), accepted as the Basic auth user with `twilioAPIKeySecret`.
    public var twilioAPIKeySID: String
    /// The API key's secret.
    public var twilioAPIKeySecret: String
    /// Accepted as `Authorization: Bearer …` by `/v3/mail/send`.
    public var sendGridAPIKey: String
    /// The `api_key` field.
    public var vonageAPIKey: String
    /// The `api_secret` field.
    public var vonageAPISecret: String
    /// Signs delivery receipts (HMAC-SHA256).
    public var vonageSignatureSecret: String
    /// The Firebase project in `/v1/projects/{project}/messages:send`.
    public var fcmProjectID: String
    /// The service account's `client_email`, the assertion's `iss`.
    public var fcmClientEmail: String
    /// The service account's `private_key_id`.
    public var fcmPrivateKeyID: String
    /// The 10-character key id APNs provider tokens must carry as `kid`.
    public var apnsKeyID: String
    /// The 10-character team id APNs provider tokens must carry as `iss`.
    public var apnsTeamID: String

    let sendGridSigningKey: P256.Signing.PrivateKey
    let fcmKey: _RSA.Signing.PrivateKey
    let apnsKey: P256.Signing.PrivateKey

    /// Generates every account and key (RSA-2048 for FCM, P-256 for SendGrid and APNs).
    public static func generate() throws -> SandboxCredentials {
        do {
            return SandboxCredentials(
                twilioAccountSID: "AC" + randomHex(16), twilioAuthToken: randomHex(16),
                twilioAPIKeySID: "SK" + randomHex(16), twilioAPIKeySecret: randomToken(24),
                sendGridAPIKey: "SG." + randomToken(16) + "." + randomToken(32),
                vonageAPIKey: randomHex(4), vonageAPISecret: randomToken(12), vonageSignatureSecret: randomToken(24),
                fcmProjectID: "notify-sandbox",
                fcmClientEmail: "firebase-adminsdk@notify-sandbox.iam.gserviceaccount.com",
                fcmPrivateKeyID: randomHex(20), apnsKeyID: randomAlphanumeric(10), apnsTeamID: randomAlphanumeric(10),
                sendGridSigningKey: P256.Signing.PrivateKey(), fcmKey: try _RSA.Signing.PrivateKey(keySize: .bits2048),
                apnsKey: P256.Signing.PrivateKey())
        } catch {
            throw SandboxError(.credentials, "could not generate the FCM service account's RSA key: \(error)")
        }
    }

    /// The SendGrid event-webhook verification key: base64 DER SubjectPublicKeyInfo, as SendGrid shows it.
    public var sendGridWebhookPublicKey: String { sendGridSigningKey.publicKey.derRepresentation.base64EncodedString() }

    /// The SendGrid event-webhook verification key as PEM.
    public var sendGridWebhookPublicKeyPEM: String { sendGridSigningKey.publicKey.pemRepresentation }

    /// The APNs `.p8` signing key (PKCS#8 PEM), as Apple hands it out.
    public var apnsPrivateKeyPEM: String { apnsKey.pemRepresentation }

    /// The FCM service account's private key (PKCS#8 PEM).
    public var fcmPrivateKeyPEM: String { fcmKey.pkcs8PEMRepresentation }

    /// The service-account JSON file Google would hand out, with `token_uri` pointing at the sandbox.
    public func serviceAccount(tokenURI: String) -> [String: String] {
        [
            "type": "service_account", "project_id": fcmProjectID, "private_key_id": fcmPrivateKeyID,
            "private_key": fcmPrivateKeyPEM, "client_email": fcmClientEmail, "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": tokenURI,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/firebase-adminsdk",
            "universe_domain": "googleapis.com",
        ]
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func randomHex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text: [UInt8] = []
        text.reserveCapacity(bytes * 2)
        // Eight bytes per draw: each draw of the system generator is a system call.
        var word: UInt64 = 0
        for index in 0..<bytes {
            if index % 8 == 0 { word = generator.next() }
            let byte = UInt8(truncatingIfNeeded: word >> (UInt64(index % 8) * 8))
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `bytes` random bytes as base64url. Drawn eight bytes at a time, as ``randomHex(_:)`` draws
    /// them: the sandbox makes one per SendGrid message, and a draw per byte (each a system call)
    /// with the three replacements of the old encoding took 1.75 % of the email benchmark's samples.
    static func randomToken(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var raw = Data(count: bytes)
        var word: UInt64 = 0
        for index in 0..<bytes {
            if index % 8 == 0 { word = generator.next() }
            raw[index] = UInt8(truncatingIfNeeded: word >> (UInt64(index % 8) * 8))
        }
        return raw.base64URLEncoded()
    }

    static func randomAlphanumeric(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<count).map { _ in alphabet.randomElement()! })
    }
}

extension Data {
    /// Base64url without padding (JWT style).
    func base64URLEncoded() -> String {
        var text: [UInt8] = []
        text.reserveCapacity(count * 4 / 3 + 3)
        for byte in base64EncodedString().utf8 {
            switch byte {
            case UInt8(ascii: "+"): text.append(UInt8(ascii: "-"))
            case UInt8(ascii: "/"): text.append(UInt8(ascii: "_"))
            case UInt8(ascii: "="): continue
            default: text.append(byte)
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Decodes base64url with or without padding.
    init?(base64URLEncoded text: some StringProtocol) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
