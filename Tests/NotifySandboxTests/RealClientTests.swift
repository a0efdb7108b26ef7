import AsyncHTTPClient
import Foundation
import Logging
import NotifyProviders
import NotifySandbox
import Testing

/// The engine's provider clients (NotifyProviders), pointed at the sandbox with the credentials
/// document, get the answers the real providers would give them.
@Suite("Provider clients against the sandbox")
struct RealClientTests {
    let logger = SandboxHarness.logger

    func failure(_ outcome: SendOutcome) -> ProviderFailure? {
        if case .failed(let failure) = outcome { return failure }
        return nil
    }

    func accepted(_ outcome: SendOutcome) -> String? {
        if case .accepted(let id) = outcome { return id }
        return nil
    }

    @Test func twilio() async throws {
        try await SandboxHarness.run { harness in
            let twilio = try await harness.sandbox.credentialsDocument().twilio
            let client = TwilioClient(
                configuration: TwilioConfiguration(
                    accountSID: twilio.accountSID, authToken: twilio.authToken, baseURL: twilio.baseURL),
                httpClient: .shared)
            func send(_ to: String) async -> SendOutcome {
                await client.send(
                    .sms(SMSMessage(deliveryID: "d-1", from: "+15005550006", to: to, text: "hi")),
                    timeout: .seconds(10),
                    logger: logger)
            }
            #expect(accepted(await send("+14155550100"))?.hasPrefix("SM") == true)
            let keyed = TwilioClient(
                configuration: TwilioConfiguration(
                    accountSID: twilio.accountSID, authToken: twilio.apiKeySecret, apiKeySID: twilio.apiKeySID,
                    baseURL: twilio.baseURL),
                httpClient: .shared)
            let viaKey = await keyed.send(
                .sms(SMSMessage(deliveryID: "d-1", from: "+15005550006", to: "+14155550100", text: "hi")),
                timeout: .seconds(10), logger: logger)
            #expect(accepted(viaKey) != nil, "\(viaKey)")
            let stop = failure(await send("+15005550004"))
            #expect(stop?.kind == .permanent)
            #expect(stop?.recipientAction == .suppressAddress)
            harness.sandbox.setFaults(FaultSettings(rateLimit: .init(everyNth: 1, retryAfterSeconds: 3)), for: .twilio)
            let limited = failure(await send("+14155550100"))
            #expect(limited?.kind == .rateLimited)
            #expect(limited?.retryAfter == .seconds(3))
        }
    }

    @Test func vonageAndSendGrid() async throws {
        try await SandboxHarness.run { harness in
            let document = try await harness.sandbox.credentialsDocument()
            let vonage = VonageClient(
                configuration: VonageConfiguration(
                    apiKey: document.vonage.apiKey, apiSecret: document.vonage.apiSecret,
                    baseURL: document.vonage.baseURL),
                httpClient: .shared)
            let sms = await vonage.send(
                .sms(SMSMessage(deliveryID: "d-2", from: "Notify", to: "+447700900000", text: "hi")),
                timeout: .seconds(10),
                logger: logger)
            #expect(accepted(sms) != nil, "\(sms)")
            let signing = VonageClient(
                configuration: VonageConfiguration(
                    apiKey: document.vonage.apiKey, apiSecret: nil, signatureSecret: document.vonage.signatureSecret,
                    baseURL: document.vonage.baseURL),
                httpClient: .shared)
            let signed = await signing.send(
                .sms(SMSMessage(deliveryID: "d-4", from: "Notify", to: "+447700900001", text: "hi")),
                timeout: .seconds(10),
                logger: logger)
            #expect(accepted(signed) != nil, "\(signed)")
            let sendGrid = SendGridClient(
                configuration: SendGridConfiguration(
                    apiKey: document.sendgrid.apiKey, baseURL: document.sendgrid.baseURL),
                httpClient: .shared)
            let mail = EmailMessage(
                deliveryID: "d-3", from: EmailAddress("app@example.org"), to: EmailAddress("ada@example.com"),
                subject: "Hello", html: "<p>Hi</p>", text: "Hi")
            #expect(accepted(await sendGrid.send(.email(mail), timeout: .seconds(10), logger: logger)) != nil)
            let recorded = harness.sandbox.recorder.messages(provider: .sendgrid)
            #expect(recorded.last?.deliveryID == "d-3")
            #expect(harness.sandbox.recorder.messages(provider: .vonage).map(\.deliveryID) == ["d-2", "d-4"])
        }
    }

    @Test func fcmAndAPNs() async throws {
        try await SandboxHarness.run { harness in
            let document = try await harness.sandbox.credentialsDocument()
            let account = document.fcm.serviceAccount
            let fcm = try await FCMClient(
                configuration: FCMConfiguration(
                    projectID: document.fcm.projectID, clientEmail: account["client_email"]!,
                    privateKey: account["private_key"]!, privateKeyID: account["private_key_id"],
                    tokenURI: account["token_uri"]!, baseURL: document.fcm.baseURL),
                httpClient: .shared)
            func push(_ platform: PushPlatform, _ token: String) -> OutboundMessage {
                .push(
                    PushMessage(
                        deliveryID: UUID().uuidString, platform: platform, token: token, title: "Hi", body: "There"))
            }
            #expect(accepted(await fcm.send(push(.android, "device-1"), timeout: .seconds(10), logger: logger)) != nil)
            // The delivery id the client sends is recorded, so a resent delivery counts as a duplicate.
            let resent = PushMessage(
                deliveryID: UUID().uuidString, platform: .android, token: "device-2", title: "Hi", body: "There")
            for _ in 0..<2 { _ = await fcm.send(.push(resent), timeout: .seconds(10), logger: logger) }
            #expect(
                harness.sandbox.recorder.messages(provider: .fcm).suffix(2).map(\.deliveryID)
                    == [resent.deliveryID, resent.deliveryID])
            #expect(harness.sandbox.recorder.counts()[.fcm]?.duplicates == 1)
            let dead = failure(await fcm.send(push(.android, "unregistered-1"), timeout: .seconds(10), logger: logger))
            #expect(dead?.recipientAction == .invalidateDeviceToken)
            let apns = try await APNsClient(
                configuration: APNsConfiguration(
                    teamID: document.apns.teamID, keyID: document.apns.keyID, privateKey: document.apns.privateKeyPEM,
                    topic: "com.example.app", baseURL: document.apns.baseURL, extraTrustRootsPEM: document.caPEM),
                httpClient: .shared)
            let device = String(repeating: "ab", count: 32)
            let sent = await apns.send(push(.ios, device), timeout: .seconds(10), logger: logger)
            #expect(accepted(sent) != nil, "\(sent)")
            let gone = failure(
                await apns.send(push(.ios, "41041041" + device.dropFirst(8)), timeout: .seconds(10), logger: logger))
            #expect(gone?.recipientAction == .invalidateDeviceToken)
            #expect(harness.sandbox.recorder.counts()[.apns]?.accepted == 1)
        }
    }
}
