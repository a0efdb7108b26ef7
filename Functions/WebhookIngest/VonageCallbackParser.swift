import Foundation
import NotifyProviders

/// Vonage SMS delivery receipts (form or JSON): `messageId`, `status`, `err-code`, `client-ref`.
enum VonageCallbackParser {
    static func events(_ body: [UInt8], contentType: String) throws -> [CallbackEvent] {
        var fields: [String: String] = [:]
        if contentType.contains("json") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw CallbackParseError("a Vonage callback that is not a JSON object")
            }
            for (key, value) in object { fields[key] = "\(value)" }
        } else {
            for pair in FormURLEncoding.decode(String(decoding: body, as: UTF8.self)) where fields[pair.name] == nil {
                fields[pair.name] = pair.value
            }
        }
        guard let messageID = fields["messageId"] ?? fields["message-id"], let status = fields["status"] else {
            throw CallbackParseError("a Vonage callback without messageId and status")
        }
        let kind: CallbackEvent.Kind
        switch status {
        case "delivered": kind = .delivered
        case "failed", "rejected", "expired": kind = .undelivered
        default: kind = .progress
        }
        let code = fields["err-code"]
        return [
            CallbackEvent(
                dedupKey: "\(messageID):\(status)", kind: kind, providerMessageID: messageID,
                deliveryID: fields["client-ref"].flatMap(Int64.init), code: code,
                suppress: code == "3" || code == "9" ? fields["msisdn"] : nil, unsuppress: nil)
        ]
    }
}
