import Crypto
import Foundation
import NotifyProviders

/// Signs callbacks with the providers' schemes from NotifyProviders' Signatures.
enum CallbackSigning {
    /// `X-Twilio-Signature` over the exact URL and the form parameters.
    static func twilio(url: String, parameters: [(name: String, value: String)], authToken: String) -> String {
        TwilioSignature(authToken: authToken).sign(url: url, parameters: parameters)
    }

    /// The receipt parameters with `timestamp` and Vonage's `sig` (HMAC-SHA256) added.
    static func vonage(parameters: [String: String], secret: String) -> [String: String] {
        VonageSignature(secret: secret, method: .sha256).signed(parameters: parameters)
    }

    /// SendGrid's signature and timestamp headers: base64 DER ECDSA P-256 over timestamp + body.
    static func sendGrid(body: Data, key: P256.Signing.PrivateKey) -> [(name: String, value: String)] {
        SendGridEventSignature.Signer(privateKey: key).headers(body: body)
    }
}
