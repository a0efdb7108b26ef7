/// The fault switches of one provider, as JSON (`PUT /sandbox/faults/{provider}` or a key of the
/// faults file). Every key is optional; an empty object `{}` turns every fault off.
///
/// ```json
/// {
///   "latency": {"fixed_ms": 200},               // or {"min_ms": 50, "max_ms": 300}; 0…3600000 ms
///   "error_rate": 0.1,                           // 0…1: answer with the provider's real error
///   "error_status": 500,                         // HTTP status of injected errors (500…599, such as 503; default 500)
///   "rate_limit": {"every_nth": 5, "retry_after_seconds": 2},
///                                                // or {"for_seconds": 10, "retry_after_seconds": 1};
///                                                // every_nth 1…1000000, seconds 0…86400 (Retry-After default 1)
///   "outage": {"mode": "unavailable"},           // 503 on every request; "close" drops the connection
///   "timeout": {"rate": 1.0, "hold_ms": 30000}   // hold the request, then drop it; rate 0…1 (default 1)
/// }
/// ```
///
/// Precedence when several apply: outage, timeout, rate limit, error rate. Latency is added
/// before any of them. Decoding checks every key and value (`FaultSettings+Decoding.swift`):
/// an unknown key, a number out of its range or an unknown outage mode is refused with a
/// ``SandboxError`` (`invalid_fault_settings`) saying what to give instead.
public struct FaultSettings: Codable, Sendable, Hashable {
    /// Delay added before answering, uniform in `minMs…maxMs`.
    public struct Latency: Codable, Sendable, Hashable {
        /// Shortest delay, milliseconds.
        public var minMs: Int
        /// Longest delay, milliseconds (equal to `minMs` for a fixed delay).
        public var maxMs: Int

        /// A fixed or uniform delay.
        public init(minMs: Int, maxMs: Int) {
            self.minMs = max(0, min(minMs, maxMs))
            self.maxMs = max(0, maxMs)
        }

        enum CodingKeys: String, CodingKey {
            case fixedMs = "fixed_ms"
            case minMs = "min_ms"
            case maxMs = "max_ms"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(minMs, forKey: .minMs)
            try container.encode(maxMs, forKey: .maxMs)
        }
    }

    /// 429 bursts: every Nth request, or every request for some seconds after the setting is applied.
    public struct RateLimit: Codable, Sendable, Hashable {
        /// Answer 429 to every Nth request (the Nth, 2Nth, …).
        public var everyNth: Int?
        /// Answer 429 to every request for this long after the settings are applied.
        public var forSeconds: Double?
        /// The `Retry-After` header value.
        public var retryAfterSeconds: Int

        /// A 429 burst; give `everyNth` or `forSeconds`.
        public init(everyNth: Int? = nil, forSeconds: Double? = nil, retryAfterSeconds: Int = 1) {
            self.everyNth = everyNth
            self.forSeconds = forSeconds
            self.retryAfterSeconds = retryAfterSeconds
        }

        enum CodingKeys: String, CodingKey {
            case everyNth = "every_nth"
            case forSeconds = "for_seconds"
            case retryAfterSeconds = "retry_after_seconds"
        }
    }

    /// A full outage.
    public struct Outage: Codable, Sendable, Hashable {
        /// `unavailable` answers 503 with the provider's body; `close` drops the connection.
        public enum Mode: String, Codable, Sendable, Hashable {
            case unavailable
            case close
        }

        /// How the outage shows.
        public var mode: Mode

        /// An outage of the given kind.
        public init(mode: Mode = .unavailable) { self.mode = mode }
    }

    /// Requests held longer than a client waits, then dropped without an answer.
    public struct Timeout: Codable, Sendable, Hashable {
        /// The share of requests held (0…1).
        public var rate: Double
        /// How long a held request waits before its connection is dropped, milliseconds.
        public var holdMs: Int

        /// Holds `rate` of the requests for `holdMs`.
        public init(rate: Double = 1, holdMs: Int = 30_000) {
            self.rate = rate
            self.holdMs = holdMs
        }

        enum CodingKeys: String, CodingKey {
            case rate
            case holdMs = "hold_ms"
        }
    }

    /// Delay before every answer; nil for none.
    public var latency: Latency?
    /// The share of requests (0…1) answered with the provider's server error.
    public var errorRate: Double
    /// The HTTP status of those errors (500, or 503 for the provider's "unavailable").
    public var errorStatus: Int
    /// 429 bursts; nil for none.
    public var rateLimit: RateLimit?
    /// A full outage; nil when up.
    public var outage: Outage?
    /// Requests held past the client's deadline; nil for none.
    public var timeout: Timeout?

    /// Faults off unless given.
    public init(
        latency: Latency? = nil, errorRate: Double = 0, errorStatus: Int = 500, rateLimit: RateLimit? = nil,
        outage: Outage? = nil, timeout: Timeout? = nil
    ) {
        self.latency = latency
        self.errorRate = errorRate
        self.errorStatus = errorStatus
        self.rateLimit = rateLimit
        self.outage = outage
        self.timeout = timeout
    }

    /// No faults.
    public static let none = FaultSettings()

    enum CodingKeys: String, CodingKey {
        case latency
        case errorRate = "error_rate"
        case errorStatus = "error_status"
        case rateLimit = "rate_limit"
        case outage
        case timeout
    }
}
