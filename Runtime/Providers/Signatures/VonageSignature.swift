import Crypto
import Foundation

/// Vonage's signed SMS requests and webhooks: the `sig` parameter.
///
/// The signed string is every parameter except `sig`, sorted by name, each written `&name=value`
/// with any `&` or `=` in the value replaced by `_`. With an HMAC method the signature is the hex
/// HMAC of that string keyed with the signature secret (Vonage's SDKs send it upper case); with
/// the legacy `md5hash` method it is the lowercase hex MD5 of that string followed by the secret.
/// Hex is compared case-insensitively. A `timestamp` parameter (unix seconds) is part of the
/// signed set and is checked against a replay window.
public struct VonageSignature: Sendable {
    /// The signing method chosen in the Vonage dashboard.
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        /// HMAC-SHA256, the method to choose for new accounts.
        case sha256
        /// HMAC-SHA512.
        case sha512
        /// HMAC-SHA1.
        case sha1
        /// HMAC-MD5.
        case md5
        /// The legacy default: MD5 of the string followed by the secret.
        case md5hash
    }

    /// The parameter carrying the signature.
    public static let signatureParameter = "sig"
    /// The parameter carrying the unix-seconds timestamp.
    public static let timestampParameter = "timestamp"
    /// The replay window unless the caller says otherwise.
    public static let defaultTolerance: Duration = .seconds(300)

    private let secret: String
    /// The signing method.
    public let method: Method

    /// Creates a signer and verifier for an account's signature secret (not its API secret).
    public init(secret: String, method: Method = .sha256) {
        self.secret = secret
        self.method = method
    }

    /// The `sig` value for these parameters (any `sig` among them is ignored).
    public func sign(parameters: [String: String]) -> String {
        let text = Self.signedString(parameters)
        switch method {
        case .md5hash:
            return SignatureSupport.hex(Insecure.MD5.hash(data: Array((text + secret).utf8)))
        case .sha256: return hmacHex(HMAC<SHA256>.self, text).uppercased()
        case .sha512: return hmacHex(HMAC<SHA512>.self, text).uppercased()
        case .sha1: return hmacHex(HMAC<Insecure.SHA1>.self, text).uppercased()
        case .md5: return hmacHex(HMAC<Insecure.MD5>.self, text).uppercased()
        }
    }

    /// The parameters with `timestamp` (from `now`) and `sig` added, ready to send.
    public func signed(parameters: [String: String], now: Date = Date()) -> [String: String] {
        var out = parameters
        out[Self.timestampParameter] = String(Int64(now.timeIntervalSince1970))
        out.removeValue(forKey: Self.signatureParameter)
        out[Self.signatureParameter] = sign(parameters: out)
        return out
    }

    /// Verifies a signed request or webhook from all of its parameters (query, form or JSON
    /// fields), including `sig` and `timestamp`.
    public func verify(
        parameters: [String: String], now: Date = Date(), tolerance: Duration = defaultTolerance
    )
        throws(SignatureError)
    {
        guard let sig = parameters[Self.signatureParameter], !sig.isEmpty else {
            throw SignatureError(.missing, "The Vonage request has no sig parameter.")
        }
        guard let claimed = SignatureSupport.bytes(fromHex: sig) else {
            throw SignatureError(.malformed, "The Vonage sig parameter is not hexadecimal.")
        }
        guard let computed = SignatureSupport.bytes(fromHex: sign(parameters: parameters)),
            SignatureSupport.constantTimeEqual(computed, claimed)
        else {
            throw SignatureError(
                .mismatch, "The Vonage sig does not match the parameters with this signature secret and method.")
        }
        _ = try SignatureSupport.checkTimestamp(
            parameters[Self.timestampParameter], now: now, tolerance: tolerance, scheme: "Vonage")
    }

    /// `&name=value` for each parameter but `sig`, sorted by name, `&` and `=` in values as `_`.
    static func signedString(_ parameters: [String: String]) -> String {
        var out = ""
        for name in parameters.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        where name != signatureParameter {
            let value = parameters[name]!.replacingOccurrences(of: "&", with: "_").replacingOccurrences(
                of: "=", with: "_")
            out += "&\(name)=\(value)"
        }
        return out
    }

    private func hmacHex<H: HashFunction>(_: HMAC<H>.Type, _ text: String) -> String {
        SignatureSupport.hex(
            HMAC<H>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: Array(secret.utf8))))
    }
}
