import Crypto
import Foundation

/// A keyed hash (blind index) of contact points, so they can be looked up, deduplicated and
/// suppressed without being stored in clear: HMAC-SHA256 under a 32-byte secret key.
///
/// The address is normalised per channel first (see ``normalise(_:channel:)``), and the MAC input
/// is the channel name, a zero byte, then the normalised address in UTF-8, so the same text on two
/// channels hashes differently.
///
/// Unlike ``ContactCipher`` keys this key cannot be rotated without recomputing every stored
/// hash, so choose it once and keep it.
public struct LookupHasher: Sendable {
    /// Size of the key in bytes.
    static let keyByteCount = 32

    private let key: SymmetricKey

    /// Creates a hasher. The key must be 256 bits; anything else is a programming error and traps
    /// (use ``parse(base64:)`` for configuration text).
    public init(key: SymmetricKey) {
        precondition(key.bitCount == Self.keyByteCount * 8, "LookupHasher keys must be 256 bits")
        self.key = key
    }

    /// Parses a key given as standard base64 of exactly 32 bytes. Throws `invalid_lookup_key`; the
    /// message never repeats the text.
    public static func parse(base64: String) throws(ModelError) -> LookupHasher {
        let advice = "the lookup key must be 32 random bytes in base64 (generate one with `openssl rand -base64 32`)"
        guard let bytes = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ModelError(code: "invalid_lookup_key", "the lookup key is not valid base64; \(advice)")
        }
        guard bytes.count == keyByteCount else {
            throw ModelError(code: "invalid_lookup_key", "the lookup key decodes to \(bytes.count) bytes; \(advice)")
        }
        return LookupHasher(key: SymmetricKey(data: bytes))
    }

    /// A hasher whose key is derived from `seed` with HKDF-SHA256.
    ///
    /// Only for `notify dev` when no lookup key is configured. Anyone who knows the seed can test
    /// guesses against the hashes: never use it for real data.
    public static func derivedForDevelopment(seed: String) -> LookupHasher {
        LookupHasher(
            key: HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: Array(seed.utf8)),
                salt: Array("notify development keys".utf8),
                info: Array("lookup-hasher v1".utf8),
                outputByteCount: keyByteCount))
    }

    /// The form of `address` that is hashed: surrounding whitespace trimmed on every channel; email
    /// addresses lowercased; SMS numbers without spaces, dashes, dots or parentheses.
    public static func normalise(_ address: String, channel: Channel) -> String {
        let trimmed = address.trimmingCharacters(in: .whitespacesAndNewlines)
        switch channel {
        case .email:
            return trimmed.lowercased()
        case .sms:
            return String(trimmed.filter { !($0.isWhitespace || "-().".contains($0)) })
        case .push, .inapp, .webhook:
            return trimmed
        }
    }

    /// The 32-byte HMAC-SHA256 of the normalised address, bound to the channel.
    public func hash(_ address: String, channel: Channel) -> [UInt8] {
        var message = Array(channel.rawValue.utf8)
        message.append(0)
        message.append(contentsOf: Self.normalise(address, channel: channel).utf8)
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }

    /// ``hash(_:channel:)`` as 64 lowercase hex characters.
    public func hex(_ address: String, channel: Channel) -> String {
        Hex.encode(hash(address, channel: channel))
    }
}
