import Crypto
import Foundation

/// Signs callbacks with the providers' schemes (implemented in NotifyProviders' Signatures).
enum CallbackSigning {
    /// `X-Twilio-Signature` over the exact URL and the form parameters.
    static func twilio(url: String, parameters: [(name: String, value: String)], authToken: String) -> String? {
        nil  // TODO: TwilioSignature from providers-work
    }
}

extension CallbackSigning {
    /// Vonage's `sig` over the receipt parameters.
    static func vonage(parameters: [String: String], secret: String) -> String? {
        nil  // TODO: VonageSignature from providers-work
    }
}

extension CallbackSigning {
    /// SendGrid's base64 DER ECDSA P-256 signature over timestamp + body.
    static func sendGrid(timestamp: String, body: Data, key: P256.Signing.PrivateKey) -> String? {
        nil  // TODO: SendGridEventSignature from providers-work
    }
}
