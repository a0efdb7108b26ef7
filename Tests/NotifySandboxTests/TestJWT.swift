import Crypto
import CryptoExtras
import Foundation

/// Builds the JWTs real clients send (RS256 service-account assertions, ES256 APNs tokens).
enum TestJWT {
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func encode(_ object: [String: Any]) -> String {
        base64URL(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    static func rs256(header: [String: Any], claims: [String: Any], keyPEM: String) throws -> String {
        let input = encode(header) + "." + encode(claims)
        let key = try _RSA.Signing.PrivateKey(pemRepresentation: keyPEM)
        let signature = try key.signature(for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5)
        return input + "." + base64URL(signature.rawRepresentation)
    }

    static func es256(keyID: String, teamID: String, issuedAt: Date, keyPEM: String) throws -> String {
        let input =
            encode(["alg": "ES256", "kid": keyID]) + "."
            + encode(["iss": teamID, "iat": Int(issuedAt.timeIntervalSince1970)])
        let key = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
        let signature = try key.signature(for: Data(input.utf8))
        return input + "." + base64URL(signature.rawRepresentation)
    }
}
