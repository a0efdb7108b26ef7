import NotifyProviders
import Synchronization

/// What the fault switches decided for one request.
struct FaultDecision: Sendable {
    /// What to answer instead of the provider's normal handling.
    enum Action: Sendable, Equatable {
        case none
        case unavailable
        case closeConnection
        case hold(Duration)
        case rateLimited(retryAfterSeconds: Int)
        case serverError(status: Int)
    }

    var delay: Duration?
    var action: Action
}

/// The current fault settings of every provider and the counters the "every Nth" rules need.
final class FaultInjector: Sendable {
    private struct Entry {
        var settings: FaultSettings
        var requests = 0
        var appliedAt = ContinuousClock.now
    }

    private let entries: Mutex<[ProviderKind: Entry]>

    /// Starts with the given settings per provider.
    init(_ initial: [ProviderKind: FaultSettings]) {
        entries = Mutex(initial.mapValues { Entry(settings: $0) })
    }

    /// The settings of one provider (`.none` when unset).
    func settings(for provider: ProviderKind) -> FaultSettings {
        entries.withLock { $0[provider]?.settings ?? .none }
    }

    /// Every provider's settings.
    func all() -> [ProviderKind: FaultSettings] {
        entries.withLock { $0.mapValues(\.settings) }
    }

    /// Replaces a provider's settings and restarts its counters and burst window.
    func set(_ settings: FaultSettings, for provider: ProviderKind) {
        entries.withLock { $0[provider] = Entry(settings: settings) }
    }

    /// Decides the fate of one request.
    func decide(for provider: ProviderKind) -> FaultDecision {
        entries.withLock { entries -> FaultDecision in
            guard var entry = entries[provider] else { return FaultDecision(delay: nil, action: .none) }
            entry.requests += 1
            entries[provider] = entry
            let settings = entry.settings
            let delay = settings.latency.map { latency in
                Duration.milliseconds(Int.random(in: latency.minMs...latency.maxMs))
            }
            return FaultDecision(delay: delay, action: Self.action(settings, entry: entry))
        }
    }

    private static func action(_ settings: FaultSettings, entry: Entry) -> FaultDecision.Action {
        if let outage = settings.outage {
            return outage.mode == .close ? .closeConnection : .unavailable
        }
        if let timeout = settings.timeout, Double.random(in: 0..<1) < timeout.rate {
            return .hold(.milliseconds(timeout.holdMs))
        }
        if let limit = settings.rateLimit {
            if let nth = limit.everyNth, nth > 0, entry.requests % nth == 0 {
                return .rateLimited(retryAfterSeconds: limit.retryAfterSeconds)
            }
            if let seconds = limit.forSeconds, ContinuousClock.now < entry.appliedAt + .seconds(seconds) {
                return .rateLimited(retryAfterSeconds: limit.retryAfterSeconds)
            }
        }
        if settings.errorRate > 0, Double.random(in: 0..<1) < settings.errorRate {
            return .serverError(status: settings.errorStatus)
        }
        return .none
    }
}
