import Crypto
import Foundation
import NotifyFunctionKit
import NotifyModel
import NotifyProviders

/// Builds the provider message for one part through one account: content and contact from the
/// delivery, sender facts (from address, number, endpoint) from the account.
struct OutboundMessageBuilder: Sendable {
    var settings: SendSettings
    /// Signs one-click unsubscribe links; with `publicURL`, commercial email carries them.
    var unsubscribeKey: SymmetricKey?
    var tenantID: String
    var categoryKey: String
    var isCommercial: Bool
    /// The job's lane: bulk pushes go at normal priority (APNs 5, FCM NORMAL), the rest at high.
    var lane: Lane

    /// The message, or `nil` when the account lacks what this channel needs.
    func message(
        for part: SendPart, delivery: PendingDelivery, candidate: RouteCandidate, resolved: ProviderPool.Resolved
    ) -> OutboundMessage? {
        let deliveryID = String(delivery.id)
        switch (delivery.content, delivery.contact) {
        case (.email(let subject, let html, let text), .email(let address)):
            guard let from = candidate.sender["from"] else { return nil }
            var headers: [EmailHeader] = []
            if isCommercial, let link = unsubscribeLink(userID: delivery.userID) {
                headers.append(EmailHeader(name: "List-Unsubscribe", value: "<\(link)>"))
                headers.append(EmailHeader(name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click"))
            }
            return .email(
                EmailMessage(
                    deliveryID: deliveryID, from: EmailAddress(from, name: candidate.sender["from_name"]),
                    to: EmailAddress(address), replyTo: candidate.sender["reply_to"].map { EmailAddress($0) },
                    subject: subject, html: html, text: text, headers: headers))
        case (.sms(let text, _, _), .phone(let number)):
            guard let from = candidate.sender["from"] else { return nil }
            return .sms(
                SMSMessage(
                    deliveryID: deliveryID, from: from, to: number, text: text,
                    statusCallbackURL: callbackURL(candidate, deliveryID: deliveryID)))
        case (.push(let title, let body, let data), .devices):
            guard let device = part.device else { return nil }
            return .push(
                PushMessage(
                    deliveryID: deliveryID, platform: device.platform, token: device.token, title: title, body: body,
                    data: data, collapseID: data["collapse_id"], priority: lane == .bulk ? .normal : .high,
                    expiration: data["expires_in_seconds"].flatMap(Double.init).map { Date().addingTimeInterval($0) }))
        case (.webhook(let body), .endpoint):
            guard let url = candidate.sender["url"], let secret = resolved.signingSecret else { return nil }
            return .webhook(WebhookMessage(deliveryID: deliveryID, url: url, body: body, signingSecret: secret))
        default:
            return nil
        }
    }

    /// The RFC 8058 one-click link naming this recipient and category.
    func unsubscribeLink(userID: Int64) -> String? {
        guard let key = unsubscribeKey, let base = settings.publicURL else { return nil }
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        let token = UnsubscribeToken(tenantID: tenantID, userID: userID, category: categoryKey)
        return "\(trimmed)/unsubscribe/\(token.signed(key: key))"
    }

    /// The account's callback URL, naming the delivery (`?delivery_id=`) so a provider console or
    /// the sandbox can tell repeated sends of one delivery apart. The signature covers the query.
    private func callbackURL(_ candidate: RouteCandidate, deliveryID: String) -> String? {
        guard let base = settings.publicURL else { return nil }
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        return "\(trimmed)/webhooks/\(candidate.kind.rawValue)/\(candidate.accountID)?delivery_id=\(deliveryID)"
    }
}
