import Metrics
import NotifyProviders

/// The senders' metrics: `notify_provider_requests_total{provider, outcome}` counts every provider
/// request by its classified outcome (`accepted`, `transient`, `rate_limited`, `permanent`,
/// `configuration`, `unknown_outcome`) — alert on `configuration`, which means our credentials or
/// sender setup are wrong — and `notify_provider_skipped_total{provider, reason}` counts batches
/// that skipped a provider (`circuit_open`, `rate_limit`).
enum SendMetrics {
    static func record(_ outcome: SendOutcome, provider: ProviderKind) {
        let name: String
        switch outcome {
        case .accepted: name = "accepted"
        case .failed(let failure): name = failure.kind.rawValue
        }
        Counter(
            label: "notify_provider_requests_total", dimensions: [("provider", provider.rawValue), ("outcome", name)]
        ).increment()
    }

    static func skipped(_ provider: ProviderKind, reason: String) {
        Counter(
            label: "notify_provider_skipped_total", dimensions: [("provider", provider.rawValue), ("reason", reason)]
        )
        .increment()
    }
}
