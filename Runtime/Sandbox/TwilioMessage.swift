import Foundation
import NotifyModel

/// A message the Twilio simulator accepted.
struct TwilioMessage: Sendable {
    let sid: String
    let accountSID: String
    let from: String?
    let to: String
    let body: String
    let messagingServiceSID: String?
    let created = Date()

    /// RFC 2822 dates, as Twilio writes them (`Thu, 30 Jul 2015 20:12:31 +0000`).
    static func rfc2822(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 40)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S +0000", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The number of SMS segments (GSM-7 when ASCII, else UCS-2).
    var segments: Int {
        let ascii = body.unicodeScalars.allSatisfy(\.isASCII)
        let (single, multi) = ascii ? (160, 153) : (70, 67)
        let length = ascii ? body.count : body.utf16.count
        return length <= single ? 1 : (length + multi - 1) / multi
    }

    /// The JSON Message resource, as Twilio answers a send: its fields in Twilio's names, sorted,
    /// `null` where Twilio writes null. Written by hand (see ``JSONQuoting``).
    func resource(status: String) -> String {
        let date = JSONQuoting.quoted(Self.rfc2822(created))
        let uri = "/2010-04-01/Accounts/\(accountSID)/Messages/\(sid)"
        let fields: [(String, String)] = [
            ("account_sid", JSONQuoting.quoted(accountSID)),
            ("api_version", #""2010-04-01""#),
            ("body", JSONQuoting.quoted(body)),
            ("date_created", date),
            ("date_sent", "null"),
            ("date_updated", date),
            ("direction", #""outbound-api""#),
            ("error_code", "null"),
            ("error_message", "null"),
            ("from", JSONQuoting.quoted(from)),
            ("messaging_service_sid", JSONQuoting.quoted(messagingServiceSID)),
            ("num_media", #""0""#),
            ("num_segments", JSONQuoting.quoted(messagingServiceSID == nil ? "\(segments)" : "0")),
            ("price", "null"),
            ("price_unit", #""USD""#),
            ("sid", JSONQuoting.quoted(sid)),
            ("status", JSONQuoting.quoted(status)),
            (
                "subresource_uris",
                "{\"feedback\":\(JSONQuoting.quoted(uri + "/Feedback.json")),\"media\":\(JSONQuoting.quoted(uri + "/Media.json"))}"
            ),
            ("to", JSONQuoting.quoted(to)),
            ("uri", JSONQuoting.quoted(uri + ".json")),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}
