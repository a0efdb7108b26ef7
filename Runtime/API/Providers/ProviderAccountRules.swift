import NotifyProviders

/// What a provider account of each kind may hold besides usable credentials: the keys of its
/// `config` (those its configuration type reads, as documented there), the values of its
/// enumerated config keys, and its `sender` fields (those the send path reads).
struct ProviderAccountRules: Sendable {
    /// The sender field every send of this kind needs, and what it is, for the error's detail.
    struct RequiredSender: Sendable {
        var key: String
        var meaning: String
        var example: String
    }

    /// Every key `config` may hold.
    var configKeys: Set<String>
    /// Config keys whose value is one of a fixed set of strings.
    var configChoices: [String: [String]] = [:]
    /// Every key `sender` may hold.
    var senderKeys: Set<String> = []
    /// The sender field a send cannot go without, if any.
    var requiredSender: RequiredSender?
    /// Sender fields that hold e-mail addresses.
    var emailSenderKeys: Set<String> = []

    /// The rules of `kind`.
    static func of(_ kind: ProviderKind) -> ProviderAccountRules {
        switch kind {
        case .twilio:
            ProviderAccountRules(
                configKeys: ["account_sid", "auth_token", "api_key_sid", "messaging_service_sid", "base_url"],
                senderKeys: ["from"],
                requiredSender: smsSender(
                    "the number or alphanumeric sender id its messages are sent from (needed also when \"config.messaging_service_sid\" is set)"
                ))
        case .vonage:
            ProviderAccountRules(
                configKeys: ["api_key", "api_secret", "signature_secret", "signature_method", "base_url"],
                configChoices: ["signature_method": VonageSignature.Method.allCases.map(\.rawValue)],
                senderKeys: ["from"],
                requiredSender: smsSender("the number or alphanumeric sender id its messages are sent from"))
        case .sendgrid:
            ProviderAccountRules(
                configKeys: ["api_key", "on_behalf_of", "base_url", "webhook_public_key"],
                senderKeys: emailSenderKeys, requiredSender: emailSender, emailSenderKeys: ["from", "reply_to"])
        case .smtp:
            ProviderAccountRules(
                configKeys: [
                    "host", "port", "tls", "username", "password", "authMechanism", "trustRootsPEM", "tlsServerName",
                    "ehloName", "maxConnections", "maxMessagesPerConnection", "idleTimeoutSeconds",
                    "connectTimeoutSeconds", "replyTimeoutSeconds", "messageIDDomain",
                ],
                configChoices: smtpChoices, senderKeys: emailSenderKeys, requiredSender: emailSender,
                emailSenderKeys: ["from", "reply_to"])
        case .fcm:
            // The service-account key file as Google issues it (the fields FCM does not read are
            // accepted as they are), and ours.
            ProviderAccountRules(configKeys: [
                "type", "project_id", "private_key_id", "private_key", "client_email", "client_id", "auth_uri",
                "token_uri", "auth_provider_x509_cert_url", "client_x509_cert_url", "universe_domain", "base_url",
                "scope",
            ])
        case .apns:
            ProviderAccountRules(configKeys: [
                "team_id", "key_id", "private_key", "topic", "base_url", "extra_trust_roots_pem",
            ])
        case .webhook:
            ProviderAccountRules(
                configKeys: ["signing_secret"], senderKeys: ["url"],
                requiredSender: RequiredSender(
                    key: "url", meaning: "the http(s) URL its messages are POSTed to",
                    example: #"{"sender": {"url": "https://example.com/hooks/notify"}}"#))
        }
    }

    /// SMTP's `tls` and `authMechanism` values (`SMTPConfiguration.TLSMode` and `.AuthMechanism`,
    /// which this module cannot name; a test checks each decodes).
    static let smtpChoices: [String: [String]] = [
        "tls": ["starttls", "implicit", "none"], "authMechanism": ["plain", "login"],
    ]

    static let emailSenderKeys: Set<String> = ["from", "from_name", "reply_to"]

    static func smsSender(_ meaning: String) -> RequiredSender {
        RequiredSender(key: "from", meaning: meaning, example: #"{"sender": {"from": "+15005550006"}}"#)
    }

    static let emailSender = RequiredSender(
        key: "from", meaning: "the e-mail address its messages are sent from",
        example: #"{"sender": {"from": "noreply@example.com", "from_name": "Acme"}}"#)
}
