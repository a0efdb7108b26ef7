import Crypto
import Foundation
import NotifyModel

/// The keys of a process that serves the API: contact-point encryption, lookup hashing and
/// access-token signing.
///
/// Configuration (environment):
/// - `NOTIFY_ENCRYPTION_KEYS` — `id:base64key[,id:base64key…]`, 32-byte AES keys, the first one
///   active (add a new key first to rotate; keep old ones while data sealed with them remains);
/// - `NOTIFY_LOOKUP_KEY` — base64 of 32 bytes for the keyed hash of contact points (never rotate
///   without re-hashing: suppressions and lookups use it);
/// - `NOTIFY_TOKEN_KEY` — base64 of at least 32 bytes signing OAuth2 access tokens.
///
/// `notify dev` without them uses keys derived from a random seed it keeps in
/// `.notify/dev-seed` (mode 0600), so a laptop needs no setup and nothing fixed ships in the code.
struct EngineSecrets: Sendable {
    let cipher: ContactCipher
    let hasher: LookupHasher
    let tokenKey: [UInt8]

    static func load(_ environment: CommandEnvironment, allowDevelopmentSeed: Bool) throws -> EngineSecrets {
        let config = environment.config
        let encryption = config.string(forKey: "notify.encryption.keys", isSecret: true)
        let lookup = config.string(forKey: "notify.lookup.key", isSecret: true)
        let token = config.string(forKey: "notify.token.key", isSecret: true)
        let missing = [
            ("NOTIFY_ENCRYPTION_KEYS", encryption), ("NOTIFY_LOOKUP_KEY", lookup), ("NOTIFY_TOKEN_KEY", token),
        ].filter { $0.1 == nil }.map(\.0)
        if !missing.isEmpty, missing.count < 3 {
            // One key set without the others is a mistake, never a reason to use other keys.
            fail(
                "\(missing.joined(separator: " and ")) \(missing.count == 1 ? "is" : "are") not set; set all three keys "
                    + "(generate them with `notify keys generate`)\(allowDevelopmentSeed ? ", or none to use development keys" : "")"
            )
        }
        if let encryption, let lookup, let token {
            do {
                let cipher = try ContactCipher.parse(encryption)
                let hasher: LookupHasher
                do {
                    hasher = try LookupHasher.parse(base64: lookup)
                } catch {
                    throw ModelError(code: error.code, "NOTIFY_LOOKUP_KEY: \(error.message)")
                }
                guard let tokenKey = Data(base64Encoded: token), tokenKey.count >= 32 else {
                    throw ModelError(code: "invalid_token_key", "NOTIFY_TOKEN_KEY must be base64 of at least 32 bytes")
                }
                return EngineSecrets(cipher: cipher, hasher: hasher, tokenKey: Array(tokenKey))
            } catch let error as ModelError {
                fail(error.message)
            }
        }
        guard allowDevelopmentSeed else {
            fail(
                "set NOTIFY_ENCRYPTION_KEYS, NOTIFY_LOOKUP_KEY and NOTIFY_TOKEN_KEY (see README, Configuration); generate them with `notify keys generate`"
            )
        }
        let seed = try developmentSeed(environment)
        return EngineSecrets(
            cipher: ContactCipher.derivedForDevelopment(seed: seed),
            hasher: LookupHasher.derivedForDevelopment(seed: seed),
            tokenKey: Array(
                HKDF<SHA256>.deriveKey(
                    inputKeyMaterial: SymmetricKey(data: Data(seed.utf8)), info: Data("notify token".utf8),
                    outputByteCount: 32
                ).withUnsafeBytes { Data($0) }))
    }

    static func developmentSeed(_ environment: CommandEnvironment) throws -> String {
        let path = environment.dataDirectory + "/dev-seed"
        if let seed = try? String(contentsOfFile: path, encoding: .utf8), !seed.isEmpty {
            return seed.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try FileManager.default.createDirectory(atPath: environment.dataDirectory, withIntermediateDirectories: true)
        let seed = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
        try PrivateFile.write(
            seed, to: path, code: "dev_seed_unwritable",
            message:
                "could not write the development key seed to \(path); make \(environment.dataDirectory) writable or set NOTIFY_DATA_DIR"
        )
        return seed
    }

    /// Fresh values for the three settings, for `notify keys generate`.
    static func generate() -> String {
        func random() -> String { SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString() }
        return """
            NOTIFY_ENCRYPTION_KEYS=\(ContactCipher.generateKeySpec(id: "k1"))
            NOTIFY_LOOKUP_KEY=\(random())
            NOTIFY_TOKEN_KEY=\(random())
            """
    }
}
