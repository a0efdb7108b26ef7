import Foundation

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

    /// The JSON Message resource.
    func resource(status: String) -> [String: Any] {
        let date = Self.rfc2822(created)
        let uri = "/2010-04-01/Accounts/\(accountSID)/Messages/\(sid)"
        return [
            "sid": sid, "account_sid": accountSID,
            "messaging_service_sid": messagingServiceSID.map { $0 as Any } ?? NSNull(),
            "from": from.map { $0 as Any } ?? NSNull(), "to": to, "body": body, "status": status,
            "direction": "outbound-api",
            "num_segments": messagingServiceSID == nil ? "\(segments)" : "0", "num_media": "0", "price": NSNull(),
            "price_unit": "USD", "error_code": NSNull(), "error_message": NSNull(), "date_created": date,
            "date_updated": date, "date_sent": NSNull(), "api_version": "2010-04-01", "uri": uri + ".json",
            "subresource_uris": ["media": uri + "/Media.json", "feedback": uri + "/Feedback.json"],
        ]
    }
}
