import ArgumentParser
import Foundation
import Logging
import NotifyFunctionKit
import NotifyRuntime
import PostgresNIO

struct InvokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoke",
        abstract: "Run one function once on one input, without the queue, and print its output.",
        discussion: """
            notify invoke noop --input event.json
            echo '{"marker":"hello"}' | notify invoke probe --input -
            Nothing is committed: the output (next jobs, writes) is printed, not applied. \
            Functions that read the database use DATABASE_URL or the cluster of a running `notify dev`.
            """)

    @Argument(help: "The function to run.")
    var function: String

    @Option(help: "A file holding the input JSON, or - for standard input.")
    var input: String

    @Option(help: "The wall-clock time the function sees, ISO 8601 (default: now).")
    var now: String?

    @Option(help: "The tenant id the function runs for.")
    var tenant: String?

    func run() async throws {
        let environment = CommandEnvironment()
        let delivery = try DeliverySupport.required(for: [function], environment: environment)
        guard let entry = FunctionDirectory.catalog(delivery: delivery).entry(named: function) else {
            throw FunctionDirectory.unknown(function)
        }
        let data: Data
        do {
            data =
                input == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: input))
        } catch {
            throw ValidationError("cannot read the input file \(input): \(error.localizedDescription)")
        }
        let payload = String(decoding: data, as: UTF8.self)
        do {
            _ = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ValidationError("the input in \(input) is not valid JSON: \(Self.describeJSONError(error))")
        }
        let clock: any NotifyClock
        if let now {
            guard let date = ISO8601DateFormatter().date(from: now) else {
                throw ValidationError("--now must be an ISO 8601 time such as 2026-03-29T01:30:00Z (got \(now))")
            }
            clock = ManualClock(date)
        } else {
            clock = SystemClock()
        }
        let url = try (try? environment.resolveDatabase()) ?? DatabaseURL("postgres://notify@127.0.0.1:1/unavailable")
        let output = try await withPostgresClient(url, logger: environment.logger) { client in
            let context = FunctionContext(
                jobID: 0, attempt: 1, maxAttempts: entry.settings.maxAttempts, deadline: .now + entry.settings.timeout,
                tenantID: tenant, lane: entry.settings.defaultLane, logger: environment.logger,
                database: FunctionDatabase(client: client), clock: clock)
            return try await FunctionInvoker.invoke(entry, payload: payload, context: context)
        }
        print(output)
        // A failed invocation prints its error as the output's `error` and exits 1, so scripts see it.
        let printed = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        if printed?["error"] != nil { Foundation.exit(1) }
    }

    static func describeJSONError(_ error: any Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        return text ?? "\(error)"
    }
}
