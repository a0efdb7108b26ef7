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
        return String(unsafeUninitializedCapacity: 40) { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                strftime(characters.baseAddress!, characters.count, "%a, %d %b %Y %H:%M:%S +0000", &parts)
            }
        }
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
        let date = Self.rfc2822(created)
        var text = ""
        text.reserveCapacity(760 + body.utf8.count + 4 * (accountSID.utf8.count + sid.utf8.count))
        let plainURI = !JSONQuoting.needsEscape(accountSID) && !JSONQuoting.needsEscape(sid)
        func appendURI(_ suffix: String) {
            guard plainURI else {
                JSONQuoting.append("/2010-04-01/Accounts/\(accountSID)/Messages/\(sid)\(suffix)", to: &text)
                return
            }
            text += "\"/2010-04-01/Accounts/"
            text += accountSID
            text += "/Messages/"
            text += sid
            text += suffix
            text += "\""
        }
        /// Appends the text between two values (quotes and names), then the value, quoted.
        func member(_ before: String, _ value: String?) {
            text += before
            JSONQuoting.append(value, to: &text)
        }
        member(#"{"account_sid":"#, accountSID)
        member(#","api_version":"2010-04-01","body":"#, body)
        member(#","date_created":"#, date)
        member(#","date_sent":null,"date_updated":"#, date)
        member(#","direction":"outbound-api","error_code":null,"error_message":null,"from":"#, from)
        member(#","messaging_service_sid":"#, messagingServiceSID)
        member(#","num_media":"0","num_segments":"#, messagingServiceSID == nil ? String(segments) : "0")
        member(#","price":null,"price_unit":"USD","sid":"#, sid)
        member(#","status":"#, status)
        text += #","subresource_uris":{"feedback":"#
        appendURI("/Feedback.json")
        text += #","media":"#
        appendURI("/Media.json")
        member(#"},"to":"#, to)
        text += #","uri":"#
        appendURI(".json")
        text += "}"
        return text
    }
}
