import Foundation
import NotifyProviders

/// Twilio's webhooks: status callbacks and inbound messages, form-encoded and signed with
/// `X-Twilio-Signature`.
enum TwilioCallbacks {
    /// A status callback for one step of a message's lifecycle.
    static func statusCallback(
        _ message: TwilioMessage, status: String, errorCode: Int?, url: String, authToken: String
    ) -> CallbackRequest {
        var pairs: [(name: String, value: String)] = [
            ("AccountSid", message.accountSID), ("ApiVersion", "2010-04-01"), ("From", message.from ?? ""),
            ("MessageSid", message.sid), ("MessageStatus", status), ("SmsSid", message.sid), ("SmsStatus", status),
            ("To", message.to),
        ]
        if let service = message.messagingServiceSID { pairs.append(("MessagingServiceSid", service)) }
        if let errorCode { pairs.append(("ErrorCode", "\(errorCode)")) }
        if status == "delivered" || status == "undelivered" {
            pairs.append(("RawDlrDoneDate", Self.dlrDate(Date())))
        }
        return signed(FormParameters(pairs: pairs), url: url, authToken: authToken)
    }

    /// An inbound SMS (such as `STOP`) from a handset to one of the account's numbers.
    static func inbound(
        from: String, to: String, body: String, accountSID: String, url: String, authToken: String
    )
        -> (sid: String, request: CallbackRequest)
    {
        let sid = "SM" + SandboxCredentials.randomHex(16)
        var pairs: [(name: String, value: String)] = [
            ("AccountSid", accountSID), ("ApiVersion", "2010-04-01"), ("Body", body), ("From", from),
            ("MessageSid", sid), ("NumMedia", "0"), ("NumSegments", "1"), ("SmsMessageSid", sid), ("SmsSid", sid),
            ("SmsStatus", "received"), ("To", to),
        ]
        let keyword = body.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        let optOut = [
            "STOP": "STOP", "STOPALL": "STOP", "UNSUBSCRIBE": "STOP", "CANCEL": "STOP", "END": "STOP",
            "QUIT": "STOP", "START": "START", "UNSTOP": "START", "YES": "START", "HELP": "HELP", "INFO": "HELP",
        ]
        if let type = optOut[keyword] { pairs.append(("OptOutType", type)) }
        return (sid, signed(FormParameters(pairs: pairs), url: url, authToken: authToken))
    }

    private static func signed(_ form: FormParameters, url: String, authToken: String) -> CallbackRequest {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            ("User-Agent", "TwilioProxy/1.1"),
            ("I-Twilio-Idempotency-Token", UUID().uuidString.lowercased()),
        ]
        headers.append(
            (TwilioSignature.header, CallbackSigning.twilio(url: url, parameters: form.pairs, authToken: authToken)))
        return CallbackRequest(url: url, headers: headers, body: Data(form.encoded.utf8))
    }

    /// `YYMMDDhhmm` in UTC.
    static func dlrDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(
            format: "%02d%02d%02d%02d%02d", (parts.year ?? 0) % 100, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0,
            parts.minute ?? 0)
    }
}
