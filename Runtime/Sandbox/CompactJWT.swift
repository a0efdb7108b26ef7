import Crypto
import CryptoExtras
import Foundation

/// A JWS in compact form, split and decoded but not yet trusted.
struct CompactJWT: Sendable {
    let header: [String: String]
    /// Claims as JSON values (numbers as `Double`, strings as `String`).
    let claims: [String: any Sendable]
    let signingInput: Data
    let signature: Data

    /// Splits `header.payload.signature`; nil when malformed.
    init?(_ token: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Data(base64URLEncoded: parts[0]),
            let claimsData = Data(base64URLEncoded: parts[1]), let signature = Data(base64URLEncoded: parts[2]),
            let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
            let claims = try? JSONSerialization.jsonObject(with: claimsData) as? [String: Any]
        else { return nil }
        self.header = header.compactMapValues { $0 as? String }
        self.claims = claims.compactMapValues { value -> (any Sendable)? in
            if let string = value as? String { return string }
            if let number = value as? NSNumber { return number.doubleValue }
            return nil
        }
        self.signingInput = Data(parts[0].utf8 + [UInt8(ascii: ".")] + parts[1].utf8)
        self.signature = signature
    }

    func string(_ claim: String) -> String? { claims[claim] as? String }
    func number(_ claim: String) -> Double? { claims[claim] as? Double }

    /// ES256: a raw `r||s` signature by the given key.
    func isSigned(by key: P256.Signing.PublicKey) -> Bool {
        guard header["alg"] == "ES256", let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
        else { return false }
        return key.isValidSignature(signature, for: SHA256.hash(data: signingInput))
    }

    /// RS256: RSASSA-PKCS1-v1_5 with SHA-256 by the given key.
    func isSigned(by key: _RSA.Signing.PublicKey) -> Bool {
        guard header["alg"] == "RS256" else { return false }
        return key.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: signingInput),
            padding: .insecurePKCS1v1_5)
    }
}
