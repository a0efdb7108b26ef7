import Foundation

// Fault settings are read in three places (`PUT /sandbox/faults/{provider}`, the `--faults`
// file and `notify sandbox faults --set`), all through these initialisers, so each refuses the
// same mistakes with the same words: an unknown key, a number out of range, an unknown mode.

extension FaultSettings {
    /// The longest latency or hold accepted, milliseconds (an hour).
    static let maximumMilliseconds = 3_600_000
    /// The longest rate-limit window or `Retry-After` accepted, seconds (a day).
    static let maximumSeconds = 86_400

    /// The keys of one provider's settings, in the order messages list them.
    static let keyNames = [CodingKeys.latency, .errorRate, .errorStatus, .rateLimit, .outage, .timeout].map(\.rawValue)

    /// Reads one provider's settings from JSON (an empty body or `{}` turns every fault off).
    /// - Throws: ``SandboxError`` with code `invalid_fault_settings` and a one-line message that
    ///   names the key to fix, such as `error_rate must be between 0 and 1, not 5`.
    public static func parse(json data: Data) throws(SandboxError) -> FaultSettings {
        let text = data.isEmpty ? Data("{}".utf8) : data
        do {
            return try JSONDecoder().decode(FaultSettings.self, from: text)
        } catch {
            throw FaultSettingsReader.problem(error, document: FaultSettingsReader.expectedObject)
        }
    }

    public init(from decoder: any Decoder) throws {
        let reader = try FaultSettingsReader(decoder, accepted: Self.keyNames, noun: "fault setting")
        self.init(
            latency: try reader.object(Latency.self, CodingKeys.latency.rawValue),
            errorRate: try reader.double(CodingKeys.errorRate.rawValue, in: 0...1) ?? 0,
            errorStatus: try reader.int(CodingKeys.errorStatus.rawValue, in: 500...599) ?? 500,
            rateLimit: try reader.object(RateLimit.self, CodingKeys.rateLimit.rawValue),
            outage: try reader.object(Outage.self, CodingKeys.outage.rawValue),
            timeout: try reader.object(Timeout.self, CodingKeys.timeout.rawValue))
    }
}

extension FaultSettings.Latency {
    public init(from decoder: any Decoder) throws {
        let reader = try FaultSettingsReader(decoder, accepted: ["fixed_ms", "min_ms", "max_ms"])
        let range = 0...FaultSettings.maximumMilliseconds
        let fixed = try reader.int("fixed_ms", in: range)
        let low = try reader.int("min_ms", in: range)
        let high = try reader.int("max_ms", in: range)
        if let fixed {
            guard low == nil, high == nil else {
                throw reader.problem("\(reader.name) takes fixed_ms, or min_ms and max_ms, not both")
            }
            self.init(minMs: fixed, maxMs: fixed)
            return
        }
        guard low != nil || high != nil else {
            throw reader.problem("\(reader.name) needs fixed_ms, or min_ms and max_ms")
        }
        let minMs = low ?? 0
        let maxMs = high ?? minMs
        guard minMs <= maxMs else {
            throw reader.problem(
                "\(reader.name(of: "min_ms")) (\(minMs)) must not exceed \(reader.name(of: "max_ms")) (\(maxMs))")
        }
        self.init(minMs: minMs, maxMs: maxMs)
    }
}

extension FaultSettings.RateLimit {
    public init(from decoder: any Decoder) throws {
        let reader = try FaultSettingsReader(decoder, accepted: ["every_nth", "for_seconds", "retry_after_seconds"])
        let everyNth = try reader.int("every_nth", in: 1...1_000_000)
        let forSeconds = try reader.double("for_seconds", in: 0...Double(FaultSettings.maximumSeconds))
        guard everyNth != nil || forSeconds != nil else {
            throw reader.problem("\(reader.name) needs every_nth or for_seconds")
        }
        self.init(
            everyNth: everyNth, forSeconds: forSeconds,
            retryAfterSeconds: try reader.int("retry_after_seconds", in: 0...FaultSettings.maximumSeconds) ?? 1)
    }
}

extension FaultSettings.Outage {
    public init(from decoder: any Decoder) throws {
        let reader = try FaultSettingsReader(decoder, accepted: ["mode"])
        let accepted = [Mode.unavailable, .close].map(\.rawValue)
        let mode = try reader.string("mode", oneOf: accepted).flatMap(Mode.init(rawValue:))
        self.init(mode: mode ?? .unavailable)
    }
}

extension FaultSettings.Timeout {
    public init(from decoder: any Decoder) throws {
        let reader = try FaultSettingsReader(decoder, accepted: ["rate", "hold_ms"])
        self.init(
            rate: try reader.double("rate", in: 0...1) ?? 1,
            holdMs: try reader.int("hold_ms", in: 0...FaultSettings.maximumMilliseconds) ?? 30_000)
    }
}
