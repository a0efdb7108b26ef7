import Synchronization

/// The signal that interrupted a benchmark, announced to the work that can stop gracefully.
///
/// ``BenchInterruption`` fires it on the first SIGINT or SIGTERM; a running ``BenchStack`` waits
/// for it, cancels the measurement and shuts its services down gracefully (the worker drains, the
/// servers close their connections), rather than being cancelled as a whole.
final class InterruptionSignal: Sendable {
    private struct State {
        var fired = false
        var listeners = 0
    }

    private let state = Mutex(State())

    /// How often ``wait()`` looks: an interruption is a person's Ctrl-C, once per run.
    static let pollInterval: Duration = .milliseconds(50)

    /// Whether the signal has fired.
    var hasFired: Bool { state.withLock { $0.fired } }

    /// Fires the signal; returns whether anything listens for it (a running stack).
    func fire() -> Bool {
        state.withLock { state in
            state.fired = true
            return state.listeners > 0
        }
    }

    /// Runs `body` as a listener: ``fire()`` then reports that something stops gracefully.
    func listening<T>(_ body: () async throws -> T) async rethrows -> T {
        state.withLock { $0.listeners += 1 }
        defer { state.withLock { $0.listeners -= 1 } }
        return try await body()
    }

    /// Returns once the signal has fired, or when the waiting task is cancelled.
    func wait() async {
        while !hasFired && !Task.isCancelled {
            try? await Task.sleep(for: Self.pollInterval)
        }
    }
}
