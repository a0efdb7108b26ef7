import Metrics

/// The inbox's metrics: `notify_inbox_streams` (live streams open in this process) and
/// `notify_inbox_refused_total{reason}` (requests refused by the per-user limits:
/// `rate_limited`, `too_many_streams`).
enum InboxMetrics {
    static let streams = Gauge(label: "notify_inbox_streams")

    /// Counts a request refused by a per-user limit.
    static func refused(_ reason: String) {
        Counter(label: "notify_inbox_refused_total", dimensions: [("reason", reason)]).increment()
    }
}
