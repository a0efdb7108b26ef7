import ArgumentParser
import AsyncHTTPClient
import CampaignFunction
import DigestCloseFunction
import NoopFunction
import NotifyDelivery
import NotifyFunctionKit
import NotifyModel
import NotifyRuntime
import PreferenceFilterFunction
import ProbeFunction
import RenderFunction
import ScheduleTickFunction
import SendEmailFunction
import SendInAppFunction
import SendPushFunction
import SendSMSFunction
import SendWebhookFunction
import StatusEventsFunction
import ValidateFunction
import WebhookIngestFunction

/// Every function this build ships.
///
/// The senders and `webhook-ingest` need the process's delivery support (keys to read contact
/// points, provider clients). Catalogs built without it still know every name and setting (what
/// producers need); their senders fail transiently, naming the missing configuration.
enum FunctionDirectory {
    /// Functions that need ``DeliverySupport`` to do their work.
    static let deliveryFunctions: Set<String> = [
        "send-email", "send-sms", "send-push", "send-webhook", "webhook-ingest", "deliver-status-events",
    ]

    /// Every function, for producers and for processes that run none of the senders.
    static var all: FunctionCatalog { catalog(delivery: nil) }

    /// The usage error for a function name this engine does not have, listing the ones it has.
    static func unknown(_ name: String) -> ValidationError {
        ValidationError(
            "unknown function \"\(name)\": use one of \(all.names.map(\.rawValue).sorted().joined(separator: ", "))")
    }

    /// Every function that runs from the queue, without delivery support.
    static var queued: FunctionCatalog { queued(delivery: nil) }

    /// Every function, its senders backed by `delivery`.
    static func catalog(delivery: DeliverySupport?) -> FunctionCatalog {
        var catalog = FunctionCatalog()
        catalog.register(NoopFunction())
        catalog.register(ProbeFunction())
        catalog.register(ScheduleTickFunction())
        catalog.register(ValidateFunction())
        catalog.register(PreferenceFilterFunction())
        catalog.register(CampaignExpandFunction())
        catalog.register(CampaignReleaseFunction())
        catalog.register(RenderFunction())
        catalog.register(SendInAppFunction())
        catalog.register(SendEmailFunction(engine: delivery?.engine))
        catalog.register(SendSMSFunction(engine: delivery?.engine))
        catalog.register(SendPushFunction(engine: delivery?.engine))
        catalog.register(SendWebhookFunction(engine: delivery?.engine))
        // A callback's retry follows the senders' own attempts, backoff and circuit.
        let sendSettings = delivery?.sendSettings ?? SendSettings()
        catalog.register(
            WebhookIngestFunction(
                hasher: delivery?.hasher, maxAttempts: sendSettings.maxAttempts, retry: sendSettings.retryPolicy,
                circuitOpenFor: (delivery?.breaker ?? CircuitBreaker()).openDuration))
        catalog.register(StatusEventsFunction(cipher: delivery?.cipher, httpClient: HTTPClient.shared))
        catalog.register(DigestCloseFunction())
        return catalog
    }

    /// Registers the sender of `channel` (not in-app) on `engine`.
    static func registerSender(
        for channel: NotifyModel.Channel, engine: SendEngine, in catalog: inout FunctionCatalog
    ) {
        switch channel {
        case .email: catalog.register(SendEmailFunction(engine: engine))
        case .sms: catalog.register(SendSMSFunction(engine: engine))
        case .push: catalog.register(SendPushFunction(engine: engine))
        case .webhook: catalog.register(SendWebhookFunction(engine: engine))
        case .inapp: catalog.register(SendInAppFunction())
        }
    }

    /// The functions that run from the queue (schedule-tick runs on the leader, not from the queue).
    static func queued(delivery: DeliverySupport?) -> FunctionCatalog {
        let all = catalog(delivery: delivery)
        return (try? all.restricted(to: all.names.map(\.rawValue).filter { $0 != "schedule-tick" })) ?? all
    }
}
