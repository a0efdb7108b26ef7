import Crypto
import Foundation
import NotifyProviders
import NotifySMTP
import Testing

@testable import NotifyAPI

/// `PUT /v1/providers/{id}` refuses, with a 400 naming the field, what could never send: unknown
/// config or sender keys, a missing sender, a `from` that is not an e-mail address, a webhook
/// `url` that is not absolute http(s), a SendGrid `webhook_public_key` that is not a key. The
/// accounts the sandbox seeds go through as before (`ChannelFlowTests`).
@Suite(.serialized) struct ProviderAccountValidationTests {
    static var twilio: [String: Any] {
        [
            "kind": "twilio", "config": ["account_sid": "AC123", "auth_token": "secret"],
            "sender": ["from": "+15005550006"],
        ]
    }

    static func with(_ body: [String: Any], _ changes: [String: Any]) -> [String: Any] {
        body.merging(changes) { $1 }
    }

    static let publicKey = P256.Signing.PrivateKey().publicKey.derRepresentation.base64EncodedString()
    static var sendgrid: [String: Any] {
        [
            "kind": "sendgrid", "config": ["api_key": "SG.x", "webhook_public_key": publicKey],
            "sender": ["from": "noreply@example.com", "from_name": "Acme", "reply_to": "help@example.com"],
        ]
    }
    static var smtp: [String: Any] {
        [
            "kind": "smtp", "config": ["host": "127.0.0.1", "port": 2525, "tls": "none"],
            "sender": ["from": "noreply@localhost"],
        ]
    }
    static var webhook: [String: Any] {
        [
            "kind": "webhook", "config": ["signing_secret": StandardWebhookSignature.generateSecret()],
            "sender": ["url": "https://example.com/hooks/notify"],
        ]
    }

    /// Bodies refused, each with its code and a part of its detail.
    static var refused: [([String: Any], String, String)] {
        let (sendgrid, smtp, webhook) = (Self.sendgrid, Self.smtp, Self.webhook)
        return [
            (
                Self.with(Self.twilio, ["config": ["account_sid": "AC123", "authtoken": "secret"]]), "unknown_field",
                #"unknown field "config.authtoken" for twilio accounts; accepted: account_sid, api_key_sid, auth_token, base_url, messaging_service_sid"#
            ),
            (
                Self.with(Self.twilio, ["sender": ["form": "+15005550006"]]), "unknown_field",
                #"unknown field "sender.form" for twilio accounts; accepted: from"#
            ),
            (
                Self.with(Self.twilio, ["sender": [:] as [String: Any]]), "sender_required",
                #"twilio accounts need "sender.from""#
            ),
            (
                [
                    "kind": "twilio",
                    "config": ["account_sid": "AC123", "auth_token": "secret", "messaging_service_sid": "MG1"],
                ], "sender_required", "needed also when \"config.messaging_service_sid\" is set"
            ),
            (
                ["kind": "vonage", "config": ["api_key": "k", "api_secret": "s"], "sender": ["from": " "]],
                "sender_required", #"vonage accounts need "sender.from""#
            ),
            (
                Self.with(sendgrid, ["sender": ["from": "Acme"]]), "invalid_sender_email",
                #""sender.from" must be an e-mail address such as noreply@example.com"#
            ),
            (
                Self.with(smtp, ["sender": ["from": "Acme <noreply@example.com>"]]), "invalid_sender_email",
                #""sender.from" must be an e-mail address"#
            ),
            (
                Self.with(sendgrid, ["sender": ["from": "noreply@example.com", "reply_to": "help"]]),
                "invalid_sender_email", #""sender.reply_to" must be an e-mail address"#
            ),
            (
                Self.with(smtp, ["sender": [:] as [String: Any]]), "sender_required",
                #"smtp accounts need "sender.from": the e-mail address its messages are sent from"#
            ),
            (
                Self.with(webhook, ["sender": ["url": "example.com/hooks"]]), "invalid_webhook_url",
                #""sender.url" must be an absolute http:// or https:// URL"#
            ),
            (
                Self.with(webhook, ["sender": ["url": "ftp://example.com/hooks"]]), "invalid_webhook_url",
                #""sender.url" must be an absolute"#
            ),
            (
                Self.with(webhook, ["sender": [:] as [String: Any]]), "sender_required",
                #"webhook accounts need "sender.url""#
            ),
            (
                Self.with(sendgrid, ["config": ["api_key": "SG.x", "webhook_public_key": "not a key"]]),
                "invalid_webhook_public_key", #""config.webhook_public_key" is not a SendGrid event webhook"#
            ),
            (
                [
                    "kind": "fcm", "config": ["project_id": "p", "client_email": "e", "private_key": "k"],
                    "sender": ["from": "x"],
                ], "unknown_field", #"unknown field "sender.from" for fcm accounts; fcm accounts take no "sender""#
            ),
        ]
    }

    @Test func whatCouldNeverSendIsRefusedWhenTheAccountIsPut() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant(seed: false)
            for (body, code, detail) in Self.refused {
                let reply = try await engine.put("/v1/providers/p1", acme, body)
                #expect(reply.status == 400, "\(body): \(reply.text)")
                #expect(reply.json["code"] as? String == code, "\(reply.text)")
                #expect((reply.json["detail"] as? String)?.contains(detail) == true, "\(reply.text)")
            }
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.provider_accounts") == 0)
            for (id, body) in [("tw", Self.twilio), ("sg", Self.sendgrid), ("smtp", Self.smtp), ("hook", Self.webhook)]
            {
                try expect(try await engine.put("/v1/providers/\(id)", acme, body), [201])
            }
            let keyless = Self.with(Self.sendgrid, ["config": ["api_key": "SG.x"]])
            try expect(try await engine.put("/v1/providers/sg2", acme, keyless), [201])
        }
    }

    /// The key lists are what the configuration types read: a fully set configuration encodes
    /// exactly its account kind's keys.
    @Test func configKeysAreTheConfigurationTypesKeys() throws {
        let configurations: [(ProviderKind, any Encodable, Set<String>)] = [
            (.twilio, TwilioConfiguration.full, []), (.vonage, VonageConfiguration.full, []),
            (.sendgrid, SendGridConfiguration.full, ["webhook_public_key"]), (.smtp, SMTPConfiguration.full, []),
            (.apns, APNsConfiguration.full, []),
        ]
        for (kind, full, extra) in configurations {
            let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(full)) as? [String: Any] ?? [:]
            #expect(Set(object.keys).union(extra) == ProviderAccountRules.of(kind).configKeys, "\(kind)")
        }
    }

    @Test func fcmKeysCoverItsConfigurationAndTheKeyFile() throws {
        let full = FCMConfiguration(projectID: "p", clientEmail: "e", privateKey: "k", privateKeyID: "i")
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(full)) as? [String: Any] ?? [:]
        #expect(Set(object.keys).isSubset(of: ProviderAccountRules.of(.fcm).configKeys))
    }

    @Test func everySMTPChoiceDecodes() throws {
        for (key, values) in ProviderAccountRules.smtpChoices {
            for value in values {
                let json = #"{"host": "h", "\#(key)": "\#(value)"}"#
                #expect(throws: Never.self) { try JSONDecoder().decode(SMTPConfiguration.self, from: Data(json.utf8)) }
            }
            let json = #"{"host": "h", "\#(key)": "other"}"#
            #expect(throws: DecodingError.self) {
                try JSONDecoder().decode(SMTPConfiguration.self, from: Data(json.utf8))
            }
        }
    }
}

extension TwilioConfiguration {
    static let full = TwilioConfiguration(
        accountSID: "AC1", authToken: "t", apiKeySID: "SK1", messagingServiceSID: "MG1", baseURL: "http://h")
}

extension VonageConfiguration {
    static let full = VonageConfiguration(apiKey: "k", apiSecret: "s", signatureSecret: "g", baseURL: "http://h")
}

extension SendGridConfiguration {
    static let full = SendGridConfiguration(apiKey: "k", onBehalfOf: "sub", baseURL: "http://h")
}

extension SMTPConfiguration {
    static let full = SMTPConfiguration(
        host: "h", port: 25, tls: .none, username: "u", password: "p", authMechanism: .plain, trustRootsPEM: "pem",
        tlsServerName: "n", messageIDDomain: "d")
}

extension APNsConfiguration {
    static let full = APNsConfiguration(
        teamID: "t", keyID: "k", privateKey: "p", topic: "o", baseURL: "http://h", extraTrustRootsPEM: "pem")
}
