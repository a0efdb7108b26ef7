import ArgumentParser
import Foundation
import NotifyRuntime

struct DeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead",
        abstract: "List, replay or discard jobs that failed for good (the dead-letter table).",
        subcommands: [List.self, Replay.self, Discard.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List dead jobs, newest first, with their last error.")

        @Option(help: "Only this function's dead jobs.")
        var function: String?

        @Option(help: "At most this many.")
        var limit = 50

        @Flag(help: "Print JSON, including each job's full error history and payload.")
        var json = false

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000; got \(limit)") }
            try DeadCommand.checkFunction(function)
        }

        func run() async throws {
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            let jobs = try await withPostgresClient(url, logger: environment.logger) { client in
                try await QueueInspector(client: client, logger: environment.logger).deadJobs(
                    queue: function, limit: limit)
            }
            if json {
                // The error history and the payload are JSON themselves: printed as JSON, not as text.
                let formatter = ISO8601DateFormatter()
                let objects: [[String: Any]] = jobs.map { job in
                    func parsed(_ text: String) -> Any {
                        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
                    }
                    return [
                        "id": job.id, "queue": job.queue, "attempts": job.attempts,
                        "died_at": formatter.string(from: job.diedAt), "last_error": job.lastError,
                        "errors": parsed(job.errors), "payload": parsed(job.payload),
                    ]
                }
                let data = try JSONSerialization.data(
                    withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            if jobs.isEmpty {
                print(function.map { "no dead jobs of \($0)" } ?? "no dead jobs")
                return
            }
            let formatter = ISO8601DateFormatter()
            print(
                Table(
                    header: ["ID", "FUNCTION", "ATTEMPTS", "DIED", "LAST ERROR"],
                    rows: jobs.map {
                        [String($0.id), $0.queue, String($0.attempts), formatter.string(from: $0.diedAt), $0.lastError]
                    }
                ).render())
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put dead jobs back in their queue with fresh attempts (history kept).")

        @Argument(help: "Dead job ids.")
        var ids: [Int64] = []

        @Flag(help: "Replay every dead job (of --function, if given).")
        var all = false

        @Option(help: "With --all: only this function's dead jobs.")
        var function: String?

        func validate() throws {
            try DeadCommand.checkFunction(function)
            if ids.isEmpty && !all { throw ValidationError("name the dead job ids to replay, or pass --all") }
            if !ids.isEmpty && all { throw ValidationError("pass either ids or --all, not both") }
        }

        func run() async throws {
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            let (requested, replayed) = try await withPostgresClient(url, logger: environment.logger) { client in
                let inspector = QueueInspector(client: client, logger: environment.logger)
                let targets = all ? try await inspector.deadJobIDs(queue: function) : ids
                return (targets, try await inspector.replay(ids: targets))
            }
            DeadCommand.report("replayed", requested: requested, done: replayed)
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete dead jobs for good.")

        @Argument(help: "Dead job ids.")
        var ids: [Int64] = []

        @Flag(help: "Discard every dead job (of --function, if given).")
        var all = false

        @Option(help: "With --all: only this function's dead jobs.")
        var function: String?

        func validate() throws {
            try DeadCommand.checkFunction(function)
            if ids.isEmpty && !all { throw ValidationError("name the dead job ids to discard, or pass --all") }
            if !ids.isEmpty && all { throw ValidationError("pass either ids or --all, not both") }
        }

        func run() async throws {
            let environment = CommandEnvironment()
            let url = try environment.resolveDatabase()
            let (requested, discarded) = try await withPostgresClient(url, logger: environment.logger) { client in
                let inspector = QueueInspector(client: client, logger: environment.logger)
                let targets = all ? try await inspector.deadJobIDs(queue: function) : ids
                return (targets, try await inspector.discard(ids: targets))
            }
            DeadCommand.report("discarded", requested: requested, done: discarded)
        }
    }
}

extension DeadCommand {
    /// Prints how many jobs were `verb` (replayed, discarded), then fails (exit 1) naming the
    /// requested ids that are not dead jobs. When none of the ids is a dead job, the error is the
    /// only line: "replayed 0 jobs" above it would read as a success.
    static func report(_ verb: String, requested: [Int64], done: [Int64]) {
        let missing = Set(requested).subtracting(done).sorted()
        if !done.isEmpty || missing.isEmpty {
            // Unbuffered, so that it comes before the error when both go to one file.
            FileHandle.standardOutput.write(Data("\(verb) \(done.count) job\(done.count == 1 ? "" : "s")\n".utf8))
        }
        guard !missing.isEmpty else { return }
        let list = missing.map(String.init).joined(separator: ", ")
        fail(
            missing.count == 1
                ? "job \(list) is not in the dead-letter table (`notify dead list` shows the dead jobs)"
                : "jobs \(list) are not in the dead-letter table (`notify dead list` shows the dead jobs)")
    }

    /// Throws a validation error when `function` names no function of this engine.
    static func checkFunction(_ function: String?) throws {
        guard let function else { return }
        guard FunctionDirectory.all.entry(named: function) != nil else { throw FunctionDirectory.unknown(function) }
    }
}
