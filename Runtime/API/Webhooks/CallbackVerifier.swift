import Foundation
import NotifyProviders

/// Checks a provider callback's signature with the secret from the provider account's
/// configuration: Twilio `X-Twilio-Signature` (config `auth_token`), Vonage `sig` (config
/// `signature_secret`, `signature_method`), SendGrid's ECDSA event signature (config
/// `webhook_public_key`). A callback that is unsigned, forged or stale is refused before anything
/// is stored.
struct CallbackVerifier {
    /// Why a callback was refused: `missing` becomes 401, anything else 403.
    struct Refusal: Error {
        var missing: Bool
        var code: String
        var message: String
    }

    let kind: ProviderKind
    let configuration: [String: Any]

    func verify(url: String, headers: [String: String], contentType: String, body: Data, now: Date) throws {
        do {
            switch kind {
            case .twilio:
                let token = try secret("auth_token")
                let signature = headers["x-twilio-signature"]
                if contentType.contains("application/json") {
                    try TwilioSignature(authToken: token).verifyJSON(signature: signature, url: url, body: body)
                } else {
                    let parameters = FormURLEncoding.decode(String(decoding: body, as: UTF8.self))
                    try TwilioSignature(authToken: token).verify(signature: signature, url: url, parameters: parameters)
                }
            case .vonage:
                let secret = try secret("signature_secret")
                let method =
                    (configuration["signature_method"] as? String).flatMap(VonageSignature.Method.init(rawValue:))
                    ?? .sha256
                var parameters: [String: String] = [:]
                if contentType.contains("application/json") {
                    let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
                    for (key, value) in object { parameters[key] = "\(value)" }
                } else {
                    for (name, value) in FormURLEncoding.decode(String(decoding: body, as: UTF8.self)) {
                        parameters[name] = value
                    }
                }
                // Vonage signs the parameters it posts; the callback URL's own query (our
                // `delivery_id`) is not among them.
                try VonageSignature(secret: secret, method: method).verify(parameters: parameters, now: now)
            case .sendgrid:
                let key = try secret("webhook_public_key")
                try SendGridEventSignature(publicKey: key).verify(
                    signature: headers[SendGridEventSignature.signatureHeader.lowercased()],
                    timestamp: headers[SendGridEventSignature.timestampHeader.lowercased()], body: body, now: now)
            default:
                throw Refusal(
                    missing: false, code: "callbacks_unsupported",
                    message: "\(kind.rawValue) accounts do not receive callbacks here")
            }
        } catch let error as SignatureError {
            throw Refusal(missing: error.code == .missing, code: error.code.rawValue, message: error.message)
        }
    }

    private func secret(_ key: String) throws -> String {
        guard let value = configuration[key] as? String, !value.isEmpty else {
            throw Refusal(
                missing: false, code: "callback_secret_missing",
                message: "the provider account has no \(key) in its configuration, so its callbacks cannot be verified")
        }
        return value
    }
}
