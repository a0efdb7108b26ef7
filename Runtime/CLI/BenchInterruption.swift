import Logging
import NotifyRuntime
import UnixSignals

/// Runs a benchmark so that SIGINT (Ctrl-C) or SIGTERM cancels it rather than ending the process
/// at once: the command then stops its private cluster and exits with an error, leaving no server
/// behind.
///
/// A cancelled benchmark stops within seconds: its connection pools outlive the engine (see
/// `PostgresClient.whileRunning`). Should it not (a function that ignores cancellation), it is left
/// behind after ``abandonAfter``, so that the command still stops its cluster and exits: an
/// interrupted benchmark reports nothing anyway, and the process ends right after.
enum BenchInterruption {
    /// How long a cancelled benchmark has to stop before it is left behind.
    static let abandonAfter: Duration = .seconds(30)

    private enum Event<T: Sendable>: Sendable {
        case finished(Result<T, any Error>)
        case interrupted(String)
        case abandoned
    }

    /// Runs `body` until it returns; the first SIGINT or SIGTERM cancels it.
    ///
    /// - Throws: what `body` throws, or `shutting_down` naming the signal.
    static func run<T: Sendable>(
        logger: Logger, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let (events, sink) = AsyncStream.makeStream(of: Event<T>.self)
        let work = Task {
            do {
                sink.yield(.finished(.success(try await body())))
            } catch {
                sink.yield(.finished(.failure(error)))
            }
        }
        let watcher = Task {
            for await signal in signals {
                work.cancel()
                sink.yield(.interrupted("\(signal)"))
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
