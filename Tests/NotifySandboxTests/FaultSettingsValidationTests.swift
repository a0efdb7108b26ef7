import Foundation
import NotifyProviders
import NotifySandbox
import Testing

/// Fault settings that make no sense are refused where they are parsed, with a sentence naming
/// the key to fix, the same for the control API, the faults file and `notify sandbox faults --set`.
@Suite("Fault settings validation")
struct FaultSettingsValidationTests {
    static let refusals: [(json: String, message: String)] = [
        (
            #"{"eror_rate": 0.5}"#,
            #"unknown fault setting "eror_rate"; use latency, error_rate, error_status, rate_limit, outage or timeout"#
        ),
        (#"{"error_rate": 5}"#, "error_rate must be between 0 and 1, not 5"),
        (#"{"error_rate": -0.5}"#, "error_rate must be between 0 and 1, not -0.5"),
        (#"{"error_rate": "high"}"#, "error_rate must be a number between 0 and 1"),
        (#"{"error_status": 200}"#, "error_status must be between 500 and 599, not 200"),
        (#"{"outage": {"mode": "sometimes"}}"#, #"outage.mode must be unavailable or close, not "sometimes""#),
        (#"{"outage": {"mode": 1}}"#, "outage.mode must be unavailable or close"),
        (#"{"outage": true}"#, "outage must be a JSON object"),
        (#"{"latency": {"min": 5}}"#, #"unknown key "min" in latency; use fixed_ms, min_ms or max_ms"#),
        (#"{"latency": {"fixed_ms": -1}}"#, "latency.fixed_ms must be between 0 and 3600000, not -1"),
        (#"{"latency": {"fixed_ms": 1.5}}"#, "latency.fixed_ms must be a whole number between 0 and 3600000, not 1.5"),
        (#"{"latency": {"min_ms": 300, "max_ms": 50}}"#, "latency.min_ms (300) must not exceed latency.max_ms (50)"),
        (#"{"latency": {"fixed_ms": 5, "max_ms": 50}}"#, "latency takes fixed_ms, or min_ms and max_ms, not both"),
        (#"{"latency": {}}"#, "latency needs fixed_ms, or min_ms and max_ms"),
        (#"{"rate_limit": {"every_nth": 0}}"#, "rate_limit.every_nth must be between 1 and 1000000, not 0"),
        (#"{"rate_limit": {"retry_after_seconds": 2}}"#, "rate_limit needs every_nth or for_seconds"),
        (#"{"timeout": {"rate": 2}}"#, "timeout.rate must be between 0 and 1, not 2"),
        (#"{"timeout": {"rate": 1, "hold": 5}}"#, #"unknown key "hold" in timeout; use rate or hold_ms"#),
        (#"[1]"#, #"fault settings must be a JSON object, such as {"error_rate": 0.1}"#),
        (#"{"error_rate": "#, #"fault settings must be a JSON object, such as {"error_rate": 0.1}; this is not JSON"#),
    ]

    @Test(arguments: refusals)
    func refusesWithASentence(_ refusal: (json: String, message: String)) {
        #expect {
            _ = try FaultSettings.parse(json: Data(refusal.json.utf8))
        } throws: { error in
            let error = error as? SandboxError
            return error?.code == .invalidFaultSettings && error?.message == refusal.message
        }
    }

    @Test func acceptsEveryDocumentedShape() throws {
        let settings = try FaultSettings.parse(
            json: Data(
                #"""
                {"latency": {"min_ms": 50, "max_ms": 300}, "error_rate": 0.1, "error_status": 503,
                 "rate_limit": {"for_seconds": 2.5, "retry_after_seconds": 0}, "outage": {"mode": "close"},
                 "timeout": {"hold_ms": 100}}
                """#.utf8))
        #expect(settings.latency == .init(minMs: 50, maxMs: 300))
        #expect(settings.errorRate == 0.1)
        #expect(settings.errorStatus == 503)
        #expect(settings.rateLimit == .init(forSeconds: 2.5, retryAfterSeconds: 0))
        #expect(settings.outage?.mode == .close)
        #expect(settings.timeout == .init(rate: 1, holdMs: 100))
        #expect(try FaultSettings.parse(json: Data()) == .none)
        #expect(try FaultSettings.parse(json: Data("{}".utf8)) == .none)
        #expect(
            try FaultSettings.parse(json: Data(#"{"latency": {"fixed_ms": 0}}"#.utf8)).latency
                == .init(minMs: 0, maxMs: 0))
        // What the control API answers reads back as the same settings.
        let encoded = try JSONEncoder().encode(settings)
        #expect(try FaultSettings.parse(json: encoded) == settings)
    }

    @Test func theFaultsFileNamesTheProviderInThePath() {
        let cases: [(String, String)] = [
            (
                #"{"twilio": {"eror_rate": 0.5}}"#,
                #"unknown fault setting "eror_rate" in twilio; use latency, error_rate, error_status, rate_limit, outage or timeout"#
            ),
            (#"{"twilio": {"error_rate": 5}}"#, "twilio.error_rate must be between 0 and 1, not 5"),
            (
                #"{"apns": {"outage": {"mode": "sometimes"}}}"#,
                #"apns.outage.mode must be unavailable or close, not "sometimes""#
            ),
            (#"{"fcm": 1}"#, "fcm must be a JSON object"),
            (
                #"[]"#,
                #"the faults JSON must be an object keyed by provider, such as {"twilio": {"error_rate": 0.1}}"#
            ),
        ]
        for (json, message) in cases {
            #expect {
                _ = try SandboxConfiguration.faults(fromJSON: Data(json.utf8))
            } throws: { error in
                (error as? SandboxError)?.message == message
            }
        }
    }

    @Test func theControlAPIAnswers400AndKeepsTheSettings() async throws {
        try await SandboxHarness.run { harness in
            let good = try await harness.control(.PUT, "/sandbox/faults/twilio", body: #"{"error_rate": 0.25}"#)
            #expect(good.status == 200)
            for (body, message) in [
                (#"{"eror_rate": 0.5}"#, #"unknown fault setting "eror_rate""#),
                (#"{"error_rate": 5}"#, "error_rate must be between 0 and 1, not 5"),
                (#"{"outage": {"mode": "sometimes"}}"#, "outage.mode must be unavailable or close"),
            ] {
                let refused = try await harness.control(.PUT, "/sandbox/faults/twilio", body: body)
                #expect(refused.status == 400, "\(refused.body)")
                #expect((json(refused.body)["error"] as? String)?.hasPrefix(message) == true, "\(refused.body)")
                #expect(json(refused.body)["code"] as? String == "invalid_fault_settings")
            }
            #expect(harness.sandbox.faults(for: .twilio) == FaultSettings(errorRate: 0.25))
        }
    }
}
