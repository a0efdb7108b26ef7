import Logging
import NotifyRuntime
import UnixSignals

/// Runs a benchmark so that SIGINT (Ctrl-C) or SIGTERM stops it rather than ending the process
/// at once: the command then stops its private cluster and exits with an error, leaving no server
/// behind.
///
/// Once its services run, the signal stops a benchmark gracefully: ``BenchStack`` cancels the
/// measurement and shuts its services down as at the end of a run (the worker drains, the servers
/// close their connections); before that, the signal cancels the benchmark. Either way it stops
/// within seconds: its connection pools outlive the engine (see `PostgresClient.whileRunning`).
/// One that has not stopped gracefully after ``gracefulLimit`` is cancelled, and one that still
/// has not (a function that ignores cancellation) is left behind after ``abandonAfter``, so that
/// the command still stops its cluster and exits: an interrupted benchmark reports nothing anyway,
/// and the process ends right after.
enum BenchInterruption {
    /// How long a graceful stop may take (the worker's grace period, 20 s, and its last writes)
    /// before the benchmark is cancelled.
    static let gracefulLimit: Duration = .seconds(25)
    /// How long a cancelled benchmark has to stop before it is left behind.
    static let abandonAfter: Duration = .seconds(30)

    /// The interruption of the benchmark running in this task, for ``BenchStack`` to listen to.
    @TaskLocal static var signal: InterruptionSignal?

    private enum Event<T: Sendable>: Sendable {
        case finished(Result<T, any Error>)
        case interrupted(String)
        case abandoned
    }

    /// Traps SIGINT and SIGTERM from now on: they no longer end the process, and ``run(logger:signals:_:)``
    /// handles those received before it starts.
    static func trap() async -> UnixSignalsSequence {
        await UnixSignalsSequence(trapping: .sigint, .sigterm)
    }

    /// Runs `body` until it returns; the first of `signals` stops it (see ``BenchInterruption``).
    ///
    /// - Throws: what `body` throws, or `shutting_down` naming the signal.
    static func run<T: Sendable>(
        logger: Logger, signals: UnixSignalsSequence, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let (events, sink) = AsyncStream.makeStream(of: Event<T>.self)
        let announcement = InterruptionSignal()
        let work = Task {
            do {
                sink.yield(.finished(.success(try await $signal.withValue(announcement) { try await body() })))
            } catch {
                sink.yield(.finished(.failure(error)))
            }
        }
        let watcher = Task {
            for await signal in signals {
                sink.yield(.interrupted("\(signal)"))
                if announcement.fire() {
                    try await Task.sleep(for: gracefulLimit)
                }
                work.cancel()
                try await Task.sleep(for: abandonAfter)
                sink.yield(.abandoned)
                return
            }
        }
        defer { watcher.cancel() }
        return try await withTaskCancellationHandler {
            var signal: String?
            for await event in events {
                switch event {
                case .finished(let result):
                    if let signal { throw interruption(signal) }
                    return try result.get()
                case .interrupted(let name):
                    signal = name
                case .abandoned:
                    logger.warning(
                        "the interrupted benchmark did not stop in time; leaving it behind",
                        metadata: ["seconds": "\(abandonAfter.components.seconds)"])
                    throw interruption(signal ?? "a signal")
                }
            }
            throw CancellationError()
        } onCancel: {
            work.cancel()
            sink.finish()
        }
    }

    private static func interruption(_ signal: String) -> RuntimeError {
        RuntimeError(.shuttingDown, "the benchmark was interrupted by \(signal) and reports nothing; run it again")
    }
}
