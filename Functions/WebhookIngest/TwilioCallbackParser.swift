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
            var event = CallbackEvent(
                dedupKey: "\(sid):\(status)", kind: kind, providerMessageID: sid, deliveryID: nil, code: code,
                suppress: nil, unsuppress: nil)
            if kind == .undelivered { classify(&event, to: fields["To"]) }
            return [event]
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

    /// Applies the classification table to an undelivered message's `ErrorCode`, the same table
    /// the client uses for synchronous errors: permanent codes suppress the number, transient ones
    /// send again (30003 suppresses only when its retries run out), configuration ones fail
    /// without blaming the recipient and alert the operator. Codes the table does not know fail
    /// the delivery and nothing more.
    static func classify(_ event: inout CallbackEvent, to: String?) {
        guard let number = event.code.flatMap(Int.init), let failure = TwilioClient.failure(forCode: number) else {
            return
        }
        switch failure.kind {
        case .permanent:
            if failure.recipientAction == .suppressAddress { event.suppress = to }
        case .transient, .rateLimited, .unknownOutcome:
            let unreachable = number == 30003
            event.failure = .retry(suppressWhenExhausted: unreachable)
            if unreachable { event.suppress = to }
        case .configuration:
            event.failure = .configuration(opensCircuit: number == 30002)
        }
    }
}
