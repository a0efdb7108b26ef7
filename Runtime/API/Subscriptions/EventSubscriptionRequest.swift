import Foundation

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
        guard trimmed.count <= 2048, let parsed = URL(string: trimmed),
            let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = parsed.host, !host.isEmpty
        else {
            throw APIError(
                .badRequest, code: "invalid_url",
                "\"url\" must be an absolute http:// or https:// URL with a host, at most 2048 characters")
        }
        return trimmed
    }

    /// The kinds, checked and deduplicated in their given order.
    func checkedKinds() throws -> [String] {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz_")
        var seen: Set<String> = []
        var kinds: [String] = []
        for kind in self.kinds ?? [] {
            guard (1...40).contains(kind.count), kind.allSatisfy({ allowed.contains($0) }) else {
                throw APIError(
                    .badRequest, code: "invalid_kinds",
                    "\"kinds\" holds \"\(kind.prefix(50))\"; name event kinds such as \"delivered\" or \"bounced\" (lowercase letters and '_'), or leave it empty for every kind"
                )
            }
            if seen.insert(kind).inserted { kinds.append(kind) }
        }
        guard kinds.count <= 50 else {
            throw APIError(.badRequest, code: "invalid_kinds", "\"kinds\" may name at most 50 kinds")
        }
        return kinds
    }
}
