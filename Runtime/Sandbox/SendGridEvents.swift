import Foundation
import NotifyFunctionKit
import NotifyJSON

/// SendGrid Event Webhook events for an accepted mail, one list per recipient: `processed`, then
/// what the recipient's magic name asks for (see `MagicRecipients`), else the configured default.
enum SendGridEvents {
    /// Message-level custom args overridden by the personalization's.
    static func customArgs(_ mail: [String: JSONValue], personalization: [String: JSONValue]) -> [String: String] {
        var args = (mail["custom_args"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        for (key, value) in personalization["custom_args"]?.objectValue ?? [:] {
            if let value = value.stringValue { args[key] = value }
        }
        return args
    }

    /// The event names for one recipient.
    static func names(for email: String, defaultEvents: [String]) -> [String] {
        switch MagicRecipients.sendGridKeyword(email) {
        case "bounce", "blocked": return ["processed", "bounce"]
        case "dropped": return ["dropped"]
        case "deferred": return ["processed", "deferred", "delivered"]
        case "open": return ["processed", "delivered", "open"]
        case "click": return ["processed", "delivered", "open", "click"]
        case "spamreport": return ["processed", "delivered", "spamreport"]
        case "unsubscribe": return ["processed", "delivered", "unsubscribe"]
        default: return defaultEvents
        }
    }

    /// Encoded event objects for every recipient of a mail.
    static func events(
        mail: [String: JSONValue], recipients: [(email: String, personalization: Int)], messageID: String,
        defaultEvents: [String]
    ) -> [Data] {
        let personalizations = mail["personalizations"]?.objectsValue ?? []
        let now = Int(Date().timeIntervalSince1970)
        var result: [Data] = []
        for (position, recipient) in recipients.enumerated() {
            let personalization =
                recipient.personalization < personalizations.count ? personalizations[recipient.personalization] : [:]
            let sgMessageID = "\(messageID).sandbox-\(position)-\(SandboxCredentials.randomHex(4)).0"
            for name in names(for: recipient.email, defaultEvents: defaultEvents) {
                var event: [String: Any] = customArgs(mail, personalization: personalization)
                event["email"] = recipient.email
                event["timestamp"] = now
                event["event"] = name
                event["smtp-id"] = "<\(messageID)@ismtpd0001p1sandbox.sendgrid.net>"
                event["sg_event_id"] = SandboxCredentials.randomToken(16)
                event["sg_message_id"] = sgMessageID
                if let categories = mail["categories"]?.stringsValue { event["category"] = categories }
                details(name, email: recipient.email).forEach { event[$0.key] = $0.value }
                if let data = try? SortedJSON.data(event) {
                    result.append(data)
                }
            }
        }
        return result
    }

    private static func details(_ name: String, email: String) -> [String: Any] {
        let blocked = MagicRecipients.sendGridKeyword(email) == "blocked"
        switch name {
        case "processed": return ["pool": ["name": "sandbox", "id": 1]]
        case "delivered": return ["response": "250 OK", "ip": "127.0.0.1", "tls": 1]
        case "deferred": return ["response": "400 try again later", "attempt": "1"]
        case "dropped": return ["reason": "Bounced Address", "status": "5.0.0"]
        case "bounce":
            return blocked
                ? ["type": "blocked", "status": "4.0.0", "reason": "421 4.7.0 Temporarily blocked"]
                : [
                    "type": "bounce", "status": "5.1.1",
                    "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
                ]
        case "open": return ["useragent": "Mozilla/5.0 (sandbox)", "ip": "127.0.0.1", "sg_machine_open": false]
        case "click":
            return [
                "useragent": "Mozilla/5.0 (sandbox)", "ip": "127.0.0.1", "url": "https://example.com/",
                "url_offset": ["index": 0, "type": "html"],
            ]
        default: return ["useragent": "Mozilla/5.0 (sandbox)", "ip": "127.0.0.1"]
        }
    }

    /// A signed POST of one batch (a JSON array, as SendGrid sends it).
    static func request(body: Data, url: String, credentials: SandboxCredentials) -> CallbackRequest {
        let headers: [(name: String, value: String)] =
            [("Content-Type", "application/json"), ("User-Agent", "SendGrid Event API")]
            + CallbackSigning.sendGrid(body: body, key: credentials.sendGridSigningKey)
        return CallbackRequest(url: url, headers: headers, body: body)
    }
}
