import Logging
import NotifyRuntime
import UnixSignals

/// Bounds how long `notify work`, `notify serve` and `notify dev` take to stop once SIGTERM or
/// SIGINT (Ctrl-C) asks them to.
///
/// Their services stop gracefully by themselves: the worker drains its jobs for its grace period,
/// the API server finishes its requests, and each then writes its last statements (leases
/// released, the leader's lock given back). A database that has stopped answering (a network
/// partition, a stalled disk) never answers those statements, and a statement already written
/// ignores cancellation, so the process would wait for it forever. Here, from the first signal,
/// the services have ``limit`` to stop. When it passes, or on a second signal, they are left
/// behind and ``run(signals:_:)`` throws `shutdown_incomplete`, so the command exits with status
/// 1 at once. Jobs the process held are claimed again when their leases end, as after a crash.
///
/// A stop that takes longer than ``noticeAfter`` is announced once, with how to end it at once.
///
/// The services run in a task of their own, not a child task, because a child cannot be left
/// behind: its parent waits for it.
struct ShutdownDeadline: Sendable {
    /// How long the services may take to stop after the first signal.
    let limit: Duration
    let logger: Logger
    /// When a stop still under way is announced.
    var noticeAfter: Duration = .seconds(3)

    /// Traps SIGINT and SIGTERM from now on, for ``run(signals:_:)``; the services' own group
    /// traps them as well and begins its graceful stop on the first.
    static func trap() async -> UnixSignalsSequence {
        await UnixSignalsSequence(trapping: .sigint, .sigterm)
    }

    private enum Event: Sendable {
        case finished(Result<Void, any Error>)
        case signalled(String)
        case slow
        case expired
        case signalledAgain(String)
    }

    /// Runs `body` (the services) until it returns; after the first of `signals`, waits at most
    /// ``limit`` for it, or until a second signal.
    ///
    /// - Throws: what `body` throws, or `shutdown_incomplete` when it was left behind.
    func run(signals: UnixSignalsSequence, _ body: @escaping @Sendable () async throws -> Void) async throws {
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        let services = Task {
            do {
                try await body()
                sink.yield(.finished(.success(())))
            } catch {
                sink.yield(.finished(.failure(error)))
            }
        }
        let (limit, noticeAfter) = (limit, noticeAfter)
        let watcher = Task {
            var clock: Task<Void, any Error>?
            defer { clock?.cancel() }
            for await signal in signals {
                guard clock == nil else {
                    sink.yield(.signalledAgain("\(signal)"))
                    return
                }
                sink.yield(.signalled("\(signal)"))
                clock = Task {
                    try await Task.sleep(for: noticeAfter)
                    sink.yield(.slow)
                    try await Task.sleep(for: limit - noticeAfter)
                    sink.yield(.expired)
                }
            }
        }
        defer { watcher.cancel() }
        var signal = "a signal"
        for await event in events {
            switch event {
            case .finished(let result):
                return try result.get()
            case .signalled(let name):
                signal = name
            case .slow:
                logger.notice(
                    "still stopping: waiting for running work and the database; send SIGINT or SIGTERM again to stop at once",
                    metadata: ["limit_seconds": "\(limit.components.seconds)"])
            case .expired:
                throw abandoned("did not stop within \(limit.components.seconds) s of \(signal)")
            case .signalledAgain(let name):
                throw abandoned("was stopped at once by a second \(name)")
            }
        }
        services.cancel()
        throw CancellationError()
    }

    /// The error the command ends with (printed by the command line, so not logged here too).
    private func abandoned(_ what: String) -> RuntimeError {
        RuntimeError(
            .shutdownIncomplete,
            "the process \(what), leaving its services unfinished (usually a database that does not answer); "
                + "the jobs it held are claimed again when their leases end")
    }
}
