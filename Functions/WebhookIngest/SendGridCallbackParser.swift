import Foundation

/// SendGrid Event Webhook batches: a JSON array of events, deduplicated by `sg_event_id`, with our
/// `delivery_id` custom argument flattened into each event.
enum SendGridCallbackParser {
    static func events(_ body: [UInt8]) throws -> [CallbackEvent] {
        guard let array = try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
            throw CallbackParseError("a SendGrid callback that is not a JSON array of events")
        }
        return array.compactMap { event in
            guard let name = event["event"] as? String else { return nil }
            let email = event["email"] as? String
            let eventID =
                event["sg_event_id"] as? String ?? "\(name):\(event["sg_message_id"] ?? ""):\(event["timestamp"] ?? "")"
            let messageID = (event["sg_message_id"] as? String).map { String($0.prefix { $0 != "." }) }
            let deliveryID = (event["delivery_id"] as? String).flatMap(Int64.init) ?? (event["delivery_id"] as? Int64)
            var kind: CallbackEvent.Kind
            var suppress: String?
            let code = (event["status"] as? String) ?? (event["reason"] as? String)
            switch name {
            case "delivered": kind = .delivered
            case "deferred": kind = .deferred
            case "bounce":
                if (event["type"] as? String) == "blocked" {
                    kind = .deferred
                } else {
                    kind = .bounced
                    suppress = email
                }
            case "dropped":
                kind = .dropped
                let reason = event["reason"] as? String ?? ""
                if ["Bounced Address", "Unsubscribed Address", "Spam Reporting Address", "Invalid"].contains(reason) {
                    suppress = email
                }
            case "open": kind = .opened
            case "click": kind = .clicked
            case "spamreport":
                kind = .spamReported
                suppress = email
            case "unsubscribe":
                kind = .unsubscribed
                suppress = email
            // Group events concern one unsubscribe group only (reference §6): they are recorded on
            // the timeline but neither add nor lift the address's suppression, which a hard
            // bounce, a spam report or a global unsubscribe may have put there.
            case "group_unsubscribe": kind = .unsubscribed
            case "group_resubscribe": kind = .resubscribed
            default: kind = .progress
            }
            return CallbackEvent(
                dedupKey: eventID, kind: kind, providerMessageID: messageID, deliveryID: deliveryID, code: code,
                suppress: suppress, unsuppress: nil)
        }
    }
}
