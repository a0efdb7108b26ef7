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
    /// `null` where Twilio writes null. Written by hand into one string (see ``JSONQuoting``).
    func resource(status: String) -> String {
        let date = JSONQuoting.quoted(Self.rfc2822(created))
        let uri = "/2010-04-01/Accounts/\(accountSID)/Messages/\(sid)"
        var text = ""
        text.reserveCapacity(760 + body.utf8.count + 4 * uri.utf8.count)
        text += "{\"account_sid\":" + JSONQuoting.quoted(accountSID)
        text += ",\"api_version\":\"2010-04-01\",\"body\":" + JSONQuoting.quoted(body)
        text += ",\"date_created\":" + date + ",\"date_sent\":null,\"date_updated\":" + date
        text += ",\"direction\":\"outbound-api\",\"error_code\":null,\"error_message\":null,\"from\":"
        text += JSONQuoting.quoted(from) + ",\"messaging_service_sid\":" + JSONQuoting.quoted(messagingServiceSID)
        text += ",\"num_media\":\"0\",\"num_segments\":"
        text += JSONQuoting.quoted(messagingServiceSID == nil ? String(segments) : "0")
        text += ",\"price\":null,\"price_unit\":\"USD\",\"sid\":" + JSONQuoting.quoted(sid)
        text += ",\"status\":" + JSONQuoting.quoted(status)
        text += ",\"subresource_uris\":{\"feedback\":" + JSONQuoting.quoted(uri + "/Feedback.json")
        text += ",\"media\":" + JSONQuoting.quoted(uri + "/Media.json") + "}"
        text += ",\"to\":" + JSONQuoting.quoted(to) + ",\"uri\":" + JSONQuoting.quoted(uri + ".json") + "}"
        return text
    }
}
