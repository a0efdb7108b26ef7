import Crypto

/// How end-user clients (a browser or mobile inbox) authenticate without the tenant's API key, in
/// the style of Novu's and Knock's HMAC: the tenant's backend computes
/// `hex(HMAC-SHA256(key: inbox secret, message: user external id))` and hands it to its client,
/// which presents the user id and signature; notify recomputes and compares.
public enum InboxSignature {
    /// Length of a generated secret in bytes.
    public static let secretByteCount = 32

    /// The signature for `userID` (its UTF-8 bytes) under `secret`: 64 lowercase hex characters.
    public static func sign(userID: String, secret: [UInt8]) -> String {
        Hex.encode(mac(userID: userID, secret: secret))
    }

    /// Whether `signature` is the signature of `userID` under `secret`, compared in constant time.
    /// Hex in either case is accepted; anything that is not 64 hex characters is rejected, and so
    /// is every signature when the secret is empty.
    public static func verify(userID: String, signature: String, secret: [UInt8]) -> Bool {
        guard !secret.isEmpty, signature.utf8.count == 64, let presented = Hex.decode(signature) else {
            return false
        }
        return ConstantTime.equals(mac(userID: userID, secret: secret), presented)
    }

    /// A new inbox secret: 32 bytes from the system's secure random generator.
    public static func generateSecret() -> [UInt8] {
        SecureRandom.bytes(secretByteCount)
    }

    private static func mac(userID: String, secret: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(userID.utf8), using: SymmetricKey(data: secret)))
    }
}
