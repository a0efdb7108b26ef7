import Crypto
import Foundation

/// Encrypts contact points (email addresses, phone numbers, device tokens, provider credentials)
/// at rest with AES-256-GCM, with key rotation.
///
/// A sealed blob describes itself: a format version byte (`1`), the key id length byte, the key id
/// in UTF-8, then the AES-GCM combined box (12-byte nonce, ciphertext, 16-byte tag). The version
/// and key id are authenticated as associated data, so they cannot be altered either.
///
/// Rotation: configure the new key first and keep the old ones after it. New blobs are sealed
/// with the first (active) key; blobs sealed under any configured key still open. Once every
/// stored blob has been re-sealed (``keyID(of:)`` tells which key a blob uses), drop the old key.
public struct ContactCipher: Sendable {
    /// The current blob format.
    static let formatVersion: UInt8 = 1
    /// Size of a key in bytes (AES-256).
    static let keyByteCount = 32
    /// The configuration variable that holds the keys, named in error messages.
    static let configurationName = "NOTIFY_ENCRYPTION_KEYS"

    private let keys: [String: SymmetricKey]

    /// The id of the key new blobs are sealed with.
    public let activeKeyID: String

    /// The ids of all keys, active first.
    public let keyIDs: [String]

    /// Creates a cipher; the first key is the active one used for sealing, all of them can open.
    ///
    /// Each key must be 256 bits and each id valid (``isValidKeyID(_:)``) and unique; violating
    /// that is a programming error and traps. To build a cipher from configuration text, use
    /// ``parse(_:)``, which reports those problems as errors instead.
    public init(keys: [(id: String, key: SymmetricKey)]) {
        precondition(!keys.isEmpty, "ContactCipher needs at least one key")
        var table: [String: SymmetricKey] = [:]
        for (id, key) in keys {
            precondition(Self.isValidKeyID(id), "ContactCipher key ids must match [A-Za-z0-9_-]{1,32}")
            precondition(key.bitCount == Self.keyByteCount * 8, "ContactCipher keys must be 256 bits")
            precondition(table[id] == nil, "ContactCipher key ids must be unique")
            table[id] = key
        }
        self.keys = table
        self.keyIDs = keys.map(\.id)
        self.activeKeyID = keys[0].id
    }

    /// Whether `id` can name a key: 1 to 32 ASCII letters, digits, `_` or `-`.
    public static func isValidKeyID(_ id: String) -> Bool {
        let utf8 = id.utf8
        return (1...32).contains(utf8.count)
            && utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }

    /// Parses the `NOTIFY_ENCRYPTION_KEYS` format `id1:BASE64KEY,id2:BASE64KEY`, active key first.
    /// Whitespace around entries is ignored. Each key must be standard base64 of exactly 32 bytes.
    ///
    /// Throws `invalid_encryption_keys` naming the entry by position (and by id when the id itself
    /// is valid). Key material is never put in a message.
    public static func parse(_ spec: String) throws(ModelError) -> ContactCipher {
        let entries = spec.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let shape =
            "each entry is id:base64key, the id 1-32 letters, digits, _ or -, the key 32 random bytes "
            + "in base64 (generate one with `openssl rand -base64 32`)"
        if entries.allSatisfy(\.isEmpty) {
            throw ModelError(code: "invalid_encryption_keys", "\(configurationName) is empty; \(shape)")
        }
        var parsed: [(id: String, key: SymmetricKey)] = []
        var seen: Set<String> = []
        for (offset, entry) in entries.enumerated() {
            let position = "\(configurationName) entry \(offset + 1)"
            guard !entry.isEmpty else {
                throw ModelError(code: "invalid_encryption_keys", "\(position) is empty; remove the extra comma")
            }
            guard let colon = entry.firstIndex(of: ":") else {
                throw ModelError(code: "invalid_encryption_keys", "\(position) has no \":\"; \(shape)")
            }
            let id = String(entry[..<colon])
            let material = entry[entry.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            // An invalid id is not repeated: it could be key material written in the wrong place.
            guard isValidKeyID(id) else {
                throw ModelError(code: "invalid_encryption_keys", "\(position) has an invalid key id; \(shape)")
            }
            let named = "\(position) (id \"\(id)\")"
            guard !seen.contains(id) else {
                throw ModelError(
                    code: "invalid_encryption_keys", "\(named) repeats an id used earlier; give every key its own id")
            }
            guard let bytes = Data(base64Encoded: material) else {
                throw ModelError(code: "invalid_encryption_keys", "\(named) is not valid base64; \(shape)")
            }
            guard bytes.count == keyByteCount else {
                throw ModelError(
                    code: "invalid_encryption_keys",
                    "\(named) decodes to \(bytes.count) bytes, not \(keyByteCount); \(shape)")
            }
            seen.insert(id)
            parsed.append((id, SymmetricKey(data: bytes)))
        }
        return ContactCipher(keys: parsed)
    }

    /// A fresh `id:base64key` entry for `NOTIFY_ENCRYPTION_KEYS`, with a new random 256-bit key
    /// (for development setups and documentation). `id` must satisfy ``isValidKeyID(_:)``.
    public static func generateKeySpec(id: String) -> String {
        precondition(isValidKeyID(id), "key ids must match [A-Za-z0-9_-]{1,32}")
        return "\(id):\(Data(SecureRandom.bytes(keyByteCount)).base64EncodedString())"
    }

    /// A cipher whose single key (id `dev`) is derived from `seed` with HKDF-SHA256.
    ///
    /// Only for `notify dev` when no `NOTIFY_ENCRYPTION_KEYS` is configured, so local data
    /// survives restarts. Anyone who knows the seed can decrypt: never use it for real data.
    public static func derivedForDevelopment(seed: String) -> ContactCipher {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Array(seed.utf8)),
            salt: Array("notify development keys".utf8),
            info: Array("contact-cipher v1".utf8),
            outputByteCount: keyByteCount)
        return ContactCipher(keys: [(id: "dev", key: key)])
    }

    /// Encrypts `plaintext` under the active key, with a fresh random nonce, into a self-describing
    /// blob (see the type's documentation).
    public func seal(_ plaintext: String) throws -> [UInt8] {
        let header = Self.header(for: activeKeyID)
        // `keys` always holds the active key: `init` built both from the same list.
        let box = try AES.GCM.seal(Array(plaintext.utf8), using: keys[activeKeyID]!, authenticating: header)
        guard let combined = box.combined else {
            // Only nil for nonces other than 12 bytes; `seal` chose a 12-byte one.
            throw ModelError(code: "encryption_failed", "AES-GCM produced no combined box; report this as a bug")
        }
        return header + Array(combined)
    }

    /// Decrypts a blob from ``seal(_:)`` with whichever configured key it names.
    ///
    /// Throws `unknown_encryption_key` when the blob names a key that is not configured, and
    /// `decryption_failed` when the blob is malformed, altered or truncated.
    public func open(_ blob: [UInt8]) throws(ModelError) -> String {
        guard let id = keyID(of: blob) else {
            throw ModelError(
                code: "decryption_failed",
                "the encrypted value is not in ContactCipher format version \(Self.formatVersion); it was "
                    + "truncated or corrupted, or was not written by this version of notify")
        }
        guard let key = keys[id] else {
            throw ModelError(
                code: "unknown_encryption_key",
                "the encrypted value was sealed with key \"\(id)\", which is not configured; add that key "
                    + "(after the active one) to \(Self.configurationName)")
        }
        let headerLength = 2 + id.utf8.count
        let opened: Data
        do {
            let box = try AES.GCM.SealedBox(combined: blob[headerLength...])
            opened = try AES.GCM.open(box, using: key, authenticating: blob[..<headerLength])
        } catch {
            throw ModelError(
                code: "decryption_failed",
                "the encrypted value did not authenticate under key \"\(id)\": it was altered or truncated, or "
                    + "\(Self.configurationName) holds a different key under that id")
        }
        guard let text = String(validating: opened, as: UTF8.self) else {
            throw ModelError(code: "decryption_failed", "the decrypted value is not valid UTF-8")
        }
        return text
    }

    /// The id of the key a blob was sealed with, or `nil` if the blob is not in a known format.
    /// Use it to find blobs still sealed under an old key during rotation.
    public func keyID(of blob: [UInt8]) -> String? {
        guard blob.count >= 2, blob[0] == Self.formatVersion else { return nil }
        let length = Int(blob[1])
        // The box needs at least a 12-byte nonce and a 16-byte tag after the id.
        guard length > 0, blob.count >= 2 + length + 12 + 16 else { return nil }
        guard let id = String(validating: blob[2..<(2 + length)], as: UTF8.self), Self.isValidKeyID(id) else {
            return nil
        }
        return id
    }

    private static func header(for id: String) -> [UInt8] {
        [formatVersion, UInt8(id.utf8.count)] + Array(id.utf8)
    }
}
