import NotifyFunctionKit
import Testing

@Suite("Retry policy: capped exponential backoff with full jitter")
struct RetryPolicyTests {
    let policy = RetryPolicy(base: .seconds(1), cap: .seconds(60))

    @Test(
        "the ceiling doubles per attempt and stops at the cap",
        arguments: [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (40, 60)])
    func ceiling(attempt: Int, seconds: Int64) {
        #expect(policy.ceiling(afterAttempt: attempt) == .seconds(seconds))
    }

    @Test("delays are spread over the whole range below the ceiling")
    func fullJitter() {
        var generator = SystemRandomNumberGenerator()
        let delays = (0..<2000).map { _ in policy.delay(afterAttempt: 4, using: &generator) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .seconds(8) })
        #expect(delays.contains { $0 < .seconds(1) })
        #expect(delays.contains { $0 > .seconds(7) })
    }

    @Test("a provider's Retry-After is a lower bound")
    func retryAfter() {
        for _ in 0..<100 {
            #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(30)) >= .seconds(30))
        }
    }
}

@Suite("Function names and errors")
struct FunctionNameTests {
    @Test("valid names", arguments: ["send-sms", "validate", "schedule-tick", "a1"])
    func valid(name: String) throws {
        #expect(try FunctionName(validating: name).rawValue == name)
    }

    @Test(
        "invalid names are refused with a sentence that says what to fix",
        arguments: ["", "Send", "1abc", "send_sms", "a b", String(repeating: "a", count: 64)])
    func invalid(name: String) {
        let error = #expect(throws: FunctionError.self) { try FunctionName(validating: name) }
        #expect(error?.code == "invalid_function_name")
        #expect(error?.message.contains("lower-case letters") == true)
    }

    @Test("unknown errors are transient; classified errors keep their kind")
    func classification() {
        struct Unknown: Error {}
        #expect(Unknown().notifyFailureKind == .transient)
        #expect(Unknown().notifyErrorCode == "unclassified")
        let permanent = FunctionError(.permanent, code: "bad_address", "the address is invalid")
        #expect(permanent.notifyFailureKind == .permanent)
        let limited = FunctionError(.rateLimited(retryAfter: .seconds(2)), code: "throttled", "slow down")
        #expect(limited.notifyFailureKind == .rateLimited(retryAfter: .seconds(2)))
    }

    @Test("lanes parse by name and order critical first")
    func lanes() {
        #expect(Lane(name: "critical") == .critical)
        #expect(Lane(name: "BULK") == .bulk)
        #expect(Lane(name: "urgent") == nil)
        #expect(Lane.critical < Lane.transactional && Lane.transactional < Lane.bulk)
    }
}
