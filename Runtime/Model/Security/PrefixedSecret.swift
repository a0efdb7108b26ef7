import Crypto

/// The shared shape of API keys and OAuth client secrets: `<prefix>_<id>_<secret>`, where the id
/// is 12 characters of lowercase RFC 4648 base32 (public, used to find the stored row) and the
/// secret 40 characters of base62 (about 238 bits of entropy, stored only as a SHA-256 hash).
enum PrefixedSecret {
    /// Length of the public id part.
    static let idLength = 12
    /// Length of the secret part.
    static let secretLength = 40

    /// Lowercase RFC 4648 base32: no padding, no look-alike `0`/`1`/`8`/`9`.
    static let idAlphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
    /// Base62: letters of both cases and digits.
    static let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    private static let idBytes = Set(String(idAlphabet).utf8)
    private static let secretBytes = Set(String(secretAlphabet).utf8)

    /// A fresh random id and secret.
    static func generate() -> (id: String, secret: String) {
        (
            SecureRandom.string(count: idLength, alphabet: idAlphabet),
            SecureRandom.string(count: secretLength, alphabet: secretAlphabet)
        )
    }

    /// Splits `<prefix>_<id>_<secret>` into its parts, or throws `code` with `shapeMessage`. The
    /// presented text is never put in the error: it may be a real secret with a typo.
    static func parse(
        _ presented: String, prefix: String, code: String, shapeMessage: String
    ) throws(ModelError) -> (id: String, secret: String) {
        let bytes = Array(presented.utf8)
        let head = Array("\(prefix)_".utf8)
        let total = head.count + idLength + 1 + secretLength
        guard bytes.count == total, bytes.starts(with: head) else {
            throw ModelError(code: code, shapeMessage)
        }
        let id = bytes[head.count..<(head.count + idLength)]
        let separator = bytes[head.count + idLength]
        let secret = bytes[(head.count + idLength + 1)...]
        guard separator == UInt8(ascii: "_"),
            id.allSatisfy(idBytes.contains),
            secret.allSatisfy(secretBytes.contains)
        else {
            throw ModelError(code: code, shapeMessage)
        }
        return (String(decoding: id, as: UTF8.self), String(decoding: secret, as: UTF8.self))
    }

    /// SHA-256 of the secret's UTF-8 bytes.
    static func hash(secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8)))
    }

    /// Whether `secret` hashes to `storedHash`, compared in constant time.
    static func verify(secret: String, against storedHash: [UInt8]) -> Bool {
        ConstantTime.equals(hash(secret: secret), storedHash)
    }
}
