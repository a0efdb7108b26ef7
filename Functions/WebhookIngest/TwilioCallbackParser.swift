import Foundation
import NotifyProviders

/// Twilio status callbacks (`MessageStatus`) and inbound messages (STOP / START keywords).
enum TwilioCallbackParser {
    static let stopWords: Set<String> = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"]
    static let startWords: Set<String> = ["START", "UNSTOP", "YES", "OPTIN"]

    static func events(_ body: String) throws -> [CallbackEvent] {
        let fields = Dictionary(
            FormURLEncoding.decode(body).map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let sid = fields["MessageSid"] ?? fields["SmsSid"] else {
            throw CallbackParseError("a Twilio callback without MessageSid")
        }
        if let status = fields["MessageStatus"] ?? fields["SmsStatus"], fields["Body"] == nil {
            let kind: CallbackEvent.Kind
            switch status {
            case "delivered": kind = .delivered
            case "undelivered", "failed": kind = .undelivered
            default: kind = .progress
            }
            let code = fields["ErrorCode"]
            let suppressing: Set<String> = ["21610", "21211", "21612", "21614", "30005", "30006"]
            return [
                CallbackEvent(
                    dedupKey: "\(sid):\(status)", kind: kind, providerMessageID: sid, deliveryID: nil, code: code,
                    suppress: code.map { suppressing.contains($0) } == true ? fields["To"] : nil, unsuppress: nil)
            ]
        }
        let keyword = (fields["Body"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        guard let from = fields["From"] else { return [] }
        if stopWords.contains(keyword) {
            return [
                CallbackEvent(
                    dedupKey: "\(sid):inbound", kind: .optedOut, providerMessageID: nil, deliveryID: nil, code: keyword,
                    suppress: from, unsuppress: nil)
            ]
        }
        if startWords.contains(keyword) {
            return [
                CallbackEvent(
                    dedupKey: "\(sid):inbound", kind: .optedIn, providerMessageID: nil, deliveryID: nil, code: keyword,
                    suppress: nil, unsuppress: from)
            ]
        }
        return []
    }
}
