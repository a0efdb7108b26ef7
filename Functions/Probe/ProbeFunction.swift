import Foundation
import NotifyFunctionKit
import PostgresNIO

/// A diagnostic function whose behaviour is chosen by its input: sleep, fail in a given way a
/// given number of times, and record its runs. Operators use it to check a deployment end to end
/// (`notify invoke probe --input probe.json`); the runtime's own tests use it to drive retries,
/// leases, crashes and shutdown through real worker processes.
///
/// Every successful run commits one row to `notify.probe_runs` together with its completion, so the
/// table shows exactly which attempts' outputs were committed. With `record_start`, each attempt
/// also writes a row to `notify.probe_starts` when it begins, outside the completion, so crashed
/// and repeated executions are visible too.
public struct ProbeFunction: NotifyFunction {
    /// What the probe should do.
    public struct Input: Codable, Sendable {
        /// A label to find the runs by.
        public var marker: String
        /// Milliseconds to sleep before finishing (cancellable).
        public var sleepMilliseconds: Int?
        /// `transient`, `permanent` or `rate_limited`: how to fail.
        public var fail: String?
        /// Fail while the attempt number is at most this (default: always, when `fail` is set).
        public var failTimes: Int?
        /// Retry-After for `rate_limited` and `transient` failures, in milliseconds.
        public var retryAfterMilliseconds: Int?
        /// Record each attempt's start in `notify.probe_starts`.
        public var recordStart: Bool?
        /// Enqueue this many follow-up `noop` jobs with the completion.
        public var spawnNoops: Int?

        enum CodingKeys: String, CodingKey {
            case marker
            case sleepMilliseconds = "sleep_ms"
            case fail
            case failTimes = "fail_times"
            case retryAfterMilliseconds = "retry_after_ms"
            case recordStart = "record_start"
            case spawnNoops = "spawn_noops"
        }

        /// Creates an input.
        public init(
            marker: String, sleepMilliseconds: Int? = nil, fail: String? = nil, failTimes: Int? = nil,
            retryAfterMilliseconds: Int? = nil, recordStart: Bool? = nil, spawnNoops: Int? = nil
        ) {
            self.marker = marker
            self.sleepMilliseconds = sleepMilliseconds
            self.fail = fail
            self.failTimes = failTimes
            self.retryAfterMilliseconds = retryAfterMilliseconds
            self.recordStart = recordStart
            self.spawnNoops = spawnNoops
        }
    }

    public static let name: FunctionName = "probe"
    public static let settings = FunctionSettings(
        maxAttempts: 4, timeout: .seconds(60), retry: RetryPolicy(base: .milliseconds(200), cap: .seconds(5)))

    /// Creates the function.
    public init() {}

    public func handle(_ input: Input, context: FunctionContext) async throws -> FunctionOutput {
        let pid = Int32(ProcessInfo.processInfo.processIdentifier)
        if input.recordStart == true {
            _ = try await context.database.query(
                """
                INSERT INTO notify.probe_starts (marker, job_id, attempt, pid)
                VALUES (\(input.marker), \(context.jobID), \(Int32(context.attempt)), \(pid))
                """, logger: context.logger)
        }
        if let sleep = input.sleepMilliseconds, sleep > 0 {
            try await Task.sleep(for: .milliseconds(sleep))
        }
        if let fail = input.fail, context.attempt <= (input.failTimes ?? Int.max) {
            let retryAfter = input.retryAfterMilliseconds.map { Duration.milliseconds($0) }
            switch fail {
            case "permanent":
                throw FunctionError(.permanent, code: "probe_permanent", "the probe was asked to fail permanently")
            case "rate_limited":
                throw FunctionError(
                    .rateLimited(retryAfter: retryAfter ?? .milliseconds(100)), code: "probe_rate_limited",
                    "the probe was asked to report a rate limit")
            case "transient":
                throw FunctionError(
                    .transient(retryAfter: retryAfter), code: "probe_transient",
                    "the probe was asked to fail transiently")
            default:
                throw FunctionError(
                    .permanent, code: "invalid_input",
                    "fail must be transient, permanent or rate_limited (got \(fail))")
            }
        }
        let next = try (0..<max(0, input.spawnNoops ?? 0)).map { _ in
            try JobRequest(function: "noop", input: [String: String](), tenantID: context.tenantID)
        }
        return FunctionOutput(
            next: next,
            writes: [
                """
                INSERT INTO notify.probe_runs (marker, job_id, attempt, pid)
                VALUES (\(input.marker), \(context.jobID), \(Int32(context.attempt)), \(pid))
                """
            ],
            summary: #"{"marker":"\#(input.marker)","attempt":\#(context.attempt)}"#)
    }
}
