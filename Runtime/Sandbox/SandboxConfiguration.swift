import Foundation
import NotifyProviders

/// How a `ProviderSandbox` listens, where it sends callbacks and which faults it starts with.
///
/// Fields and defaults: `host` 127.0.0.1; `port` 0 (any free port) for the HTTP/1.1 listener
/// (Twilio, Vonage, SendGrid, FCM, webhooks, control API); `apnsPort` 0 for the HTTP/2 + TLS
/// APNs listener; `callbackBaseURL` nil (no callbacks) — the engine's base URL, to which
/// `/webhooks/twilio`, `/webhooks/vonage` and `/webhooks/sendgrid` are appended; `faults` none;
/// `messageCapacity` 100,000 recorded messages kept (counts stay exact beyond it);
/// `callbackDelay` 20 ms between a provider's status steps; `callbackMaxAttempts` 5 with backoff
/// from `callbackRetryBase` 500 ms; `sendGridBatchInterval` 200 ms; `sendGridDuplicateRate` 0
/// (share of event batches posted twice); `sendGridEvents` `["processed", "delivered"]` for
/// recipients without a magic name; `apnsTopic` nil (any topic accepted); `credentials` generated.
public struct SandboxConfiguration: Sendable {
    /// The address both listeners bind.
    public var host: String
    /// The HTTP/1.1 port (0: any free port).
    public var port: Int
    /// The APNs HTTP/2 + TLS port (0: any free port).
    public var apnsPort: Int
    /// The engine's base URL for callbacks; nil sends none (except to URLs a message names).
    public var callbackBaseURL: String?
    /// Callback URLs per provider that replace `callbackBaseURL` + `/webhooks/<provider>`, such as
    /// the engine's per-account `…/webhooks/sendgrid/<account>` (as configured in a real
    /// provider's dashboard).
    public var callbackURLs: [ProviderKind: String] = [:]
    /// A port for the recording SMTP relay (provider `smtp` in the recorder); nil runs none.
    public var smtpPort: Int?
    /// Fault settings applied at start.
    public var faults: [ProviderKind: FaultSettings]
    /// How many recorded messages are kept for listing.
    public var messageCapacity: Int
    /// Pause before each callback of a message's lifecycle.
    public var callbackDelay: Duration
    /// Attempts per callback before it is abandoned.
    public var callbackMaxAttempts: Int
    /// The first retry's delay; doubled on each further attempt.
    public var callbackRetryBase: Duration
    /// Deadline of one callback attempt.
    public var callbackTimeout: Duration
    /// How often pending SendGrid events are posted as one batch.
    public var sendGridBatchInterval: Duration
    /// The share (0…1) of SendGrid event batches posted twice.
    public var sendGridDuplicateRate: Double
    /// SendGrid events for recipients without a magic name.
    public var sendGridEvents: [String]
    /// The only APNs topic accepted (and its suffixed variants); nil accepts any.
    public var apnsTopic: String?
    /// Fixed credentials; nil generates fresh ones.
    public var credentials: SandboxCredentials?

    /// The defaults listed above.
    public init(
        host: String = "127.0.0.1", port: Int = 0, apnsPort: Int = 0, callbackBaseURL: String? = nil,
        faults: [ProviderKind: FaultSettings] = [:], messageCapacity: Int = 100_000,
        callbackDelay: Duration = .milliseconds(20), callbackMaxAttempts: Int = 5,
        callbackRetryBase: Duration = .milliseconds(500), callbackTimeout: Duration = .seconds(10),
        sendGridBatchInterval: Duration = .milliseconds(200), sendGridDuplicateRate: Double = 0,
        sendGridEvents: [String] = ["processed", "delivered"], apnsTopic: String? = nil,
        credentials: SandboxCredentials? = nil
    ) {
        self.host = host
        self.port = port
        self.apnsPort = apnsPort
        self.callbackBaseURL = callbackBaseURL
        self.faults = faults
        self.messageCapacity = messageCapacity
        self.callbackDelay = callbackDelay
        self.callbackMaxAttempts = callbackMaxAttempts
        self.callbackRetryBase = callbackRetryBase
        self.callbackTimeout = callbackTimeout
        self.sendGridBatchInterval = sendGridBatchInterval
        self.sendGridDuplicateRate = sendGridDuplicateRate
        self.sendGridEvents = sendGridEvents
        self.apnsTopic = apnsTopic
        self.credentials = credentials
    }

    /// Parses a faults document: an object keyed by provider (`twilio`, `vonage`, `sendgrid`,
    /// `fcm`, `apns`, `webhook`) whose values are `FaultSettings` objects, each checked as
    /// `PUT /sandbox/faults/{provider}` checks it (messages name the key as `twilio.error_rate`).
    /// - Throws: ``SandboxError`` (`invalid_fault_settings`) saying what to fix.
    public static func faults(fromJSON data: Data) throws(SandboxError) -> [ProviderKind: FaultSettings] {
        let raw: [String: FaultSettings]
        do {
            raw = try JSONDecoder().decode([String: FaultSettings].self, from: data)
        } catch {
            throw FaultSettingsReader.problem(
                error,
                document:
                    #"the faults JSON must be an object keyed by provider, such as {"twilio": {"error_rate": 0.1}}"#)
        }
        var faults: [ProviderKind: FaultSettings] = [:]
        for (name, settings) in raw {
            guard let kind = ProviderKind(rawValue: name) else {
                throw SandboxError(
                    .invalidFaultSettings,
                    "unknown provider \"\(name)\" in the faults JSON; use twilio, vonage, sendgrid, fcm, apns or webhook"
                )
            }
            faults[kind] = settings
        }
        return faults
    }
}
