import Foundation
import NotifyModel
import NotifyProviders

/// Checks a provider account's `config` and `sender` against ``ProviderAccountRules`` when it is
/// put, so that what could never send is refused then rather than failing every send: unknown
/// keys (a typo such as `authtoken`), enumerated values, a SendGrid `webhook_public_key` that is
/// not a key, a missing sender, a `from` that is not an e-mail address, a webhook `url` that is not
/// absolute http(s). Each refusal is a 400 naming the field. Whether the credentials build a client
/// is checked afterwards by the provider factory.
struct ProviderAccountCheck {
    let kind: ProviderKind
    let config: [String: JSONValue]
    let sender: [String: String]

    private var rules: ProviderAccountRules { .of(kind) }

    /// Throws the first problem found, as an ``APIError``.
    func run() throws {
        try checkKeys(config.keys, allowed: rules.configKeys, of: "config")
        try checkKeys(sender.keys, allowed: rules.senderKeys, of: "sender")
        for (key, accepted) in rules.configChoices.sorted(by: { $0.key < $1.key }) {
            guard case .string(let value)? = config[key], !accepted.contains(value) else { continue }
            throw APIError(
                .badRequest, code: "invalid_config_value",
                "field \"config.\(key)\": unknown value \"\(value.prefix(40))\"; use \(RequestEnumValues.alternatives(accepted))"
            )
        }
        if kind == .sendgrid { try checkWebhookPublicKey() }
        if let required = rules.requiredSender,
            (sender[required.key] ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        {
            throw APIError(
                .badRequest, code: "sender_required",
                "\(kind.rawValue) accounts need \"sender.\(required.key)\": \(required.meaning), e.g. \(required.example)"
            )
        }
        for key in rules.emailSenderKeys.sorted() {
            guard let address = sender[key], !Self.isEmailAddress(address) else { continue }
            throw APIError(
                .badRequest, code: "invalid_sender_email",
                "\"sender.\(key)\" must be an e-mail address such as noreply@example.com (a display name goes in \"sender.from_name\")"
            )
        }
        if kind == .webhook, let url = sender["url"], !Self.isAbsoluteHTTPURL(url) {
            throw APIError(
                .badRequest, code: "invalid_webhook_url",
                "\"sender.url\" must be an absolute http:// or https:// URL with a host, such as https://example.com/hooks/notify"
            )
        }
    }

    private func checkKeys(_ keys: some Collection<String>, allowed: Set<String>, of object: String) throws {
        let unknown = keys.filter { !allowed.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        let accepted =
            allowed.isEmpty
            ? "\(kind.rawValue) accounts take no \"\(object)\" fields; leave it out"
            : "accepted: \(allowed.sorted().joined(separator: ", "))"
        throw APIError(
            .badRequest, code: "unknown_field",
            "unknown field \"\(object).\(first.prefix(60))\" for \(kind.rawValue) accounts; \(accepted)")
    }

    /// A present `webhook_public_key` must parse as SendGrid's verification key, as callbacks will.
    private func checkWebhookPublicKey() throws {
        guard let value = config["webhook_public_key"], value != .null else { return }
        var reason = "it must be a string"
        if case .string(let key) = value {
            do {
                _ = try SendGridEventSignature(publicKey: key)
                return
            } catch {
                reason = error.message
            }
        }
        throw APIError(
            .badRequest, code: "invalid_webhook_public_key",
            "\"config.webhook_public_key\" is not a SendGrid event webhook verification key (\(reason)); paste the key SendGrid shows for the signed event webhook, or leave it out"
        )
    }

    /// One `@` with something on both sides, and no spaces, angle brackets or control characters:
    /// a bare address, as the senders put it in `MAIL FROM` and SendGrid's `from.email`.
    static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && !text.unicodeScalars.contains {
                $0.properties.isWhitespace || $0.value < 0x20 || $0 == "\u{7f}" || $0 == "<" || $0 == ">"
            }
    }

    /// `http://` or `https://` with a host, and no spaces.
    static func isAbsoluteHTTPURL(_ text: String) -> Bool {
        guard !text.contains(where: \.isWhitespace), let url = URL(string: text),
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else { return false }
        return !(url.host ?? "").isEmpty
    }
}
