import Foundation

/// Vonage delivery receipts (DLRs), posted form-encoded and signed with the account's signature
/// secret (`sig`, HMAC-SHA256 over the sorted parameters, plus `timestamp` and `nonce`).
enum VonageReceipts {
    static func receipt(
        messageID: String, to: String, from: String, clientRef: String?, status: String, errorCode: String, url: String,
        credentials: SandboxCredentials
    ) -> CallbackRequest {
        let now = Date()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .gmt
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        var parameters: [String: String] = [
            "msisdn": to, "to": from, "network-code": "310260", "messageId": messageID, "price": "0.00570000",
            "status": status, "scts": TwilioCallbacks.dlrDate(now), "err-code": errorCode,
            "api-key": credentials.vonageAPIKey, "message-timestamp": formatter.string(from: now),
            "nonce": UUID().uuidString.lowercased(),
        ]
        if let clientRef { parameters["client-ref"] = clientRef }
        let signed = CallbackSigning.vonage(parameters: parameters, secret: credentials.vonageSignatureSecret)
        let form = FormParameters(pairs: signed.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        return CallbackRequest(
            url: url, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Data(form.encoded.utf8))
    }
}
