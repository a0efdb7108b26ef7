import Foundation
import NotifyModel

/// The body of `POST /v1/event-subscriptions`: where to POST the tenant's delivery-status events
/// and, optionally, which event kinds (none or empty: every kind).
///
/// ```json
/// {"url": "https://example.com/notify-events", "kinds": ["delivered", "bounced"]}
/// ```
struct EventSubscriptionRequest: Decodable {
    var url: String
    var kinds: [String]?

    static let allowedKeys: Set<String> = ["url", "kinds"]

    /// The URL, checked: absolute `http` or `https` with a host, at most 2048 characters.
    func checkedURL() throws -> String {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        guard trimmed.unicodeScalars.count <= 2048, let parsed = URL(string: trimmed),
            let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = parsed.host, !host.isEmpty
        else {
            throw APIError(
                .badRequest, code: "invalid_url",
                "\"url\" must be an absolute http:// or https:// URL with a host, at most 2048 characters")
        }
        return trimmed
    }

    /// The kinds, checked against ``NotifyModel/TimelineEventKind`` and deduplicated in their given
    /// order: a kind no timeline holds would never match, so the subscription would receive nothing.
    func checkedKinds() throws -> [String] {
        let known = Set(TimelineEventKind.names)
        var seen: Set<String> = []
        var kinds: [String] = []
        for kind in self.kinds ?? [] {
            guard known.contains(kind) else {
                throw APIError(
                    .badRequest, code: "invalid_kinds",
                    "\"kinds\" holds \"\(kind.prefix(50))\", which is not an event kind; use \(RequestEnumValues.alternatives(TimelineEventKind.names)), or leave \"kinds\" empty for every kind"
                )
            }
            if seen.insert(kind).inserted { kinds.append(kind) }
        }
        return kinds
    }
}
