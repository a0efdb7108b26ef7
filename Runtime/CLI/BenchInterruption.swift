import NotifyRuntime
import UnixSignals

/// Runs a benchmark so that SIGINT (Ctrl-C) or SIGTERM cancels it rather than ending the process
/// at once: the command then stops its private cluster and exits with an error, leaving no server
/// behind.
enum BenchInterruption {
    /// Runs `body` until it returns; the first SIGINT or SIGTERM cancels it.
    ///
    /// - Throws: what `body` throws, or `shutting_down` naming the signal.
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                for await signal in signals {
                    throw RuntimeError(
                        .shuttingDown, "the benchmark was interrupted by \(signal) and reports nothing; run it again")
                }
                return nil
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let value = next { return value }
            }
            throw CancellationError()
        }
    }
}
