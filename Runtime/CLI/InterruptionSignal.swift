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
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// Fires the signal; returns whether anything listens for it (a running stack).
    func fire() -> Bool {
        let (waiters, listened) = state.withLock { state in
            state.fired = true
            defer { state.waiters = [:] }
            return (Array(state.waiters.values), state.listeners > 0)
        }
        for waiter in waiters { waiter.resume() }
        return listened
    }

    /// Runs `body` as a listener: ``fire()`` then reports that something stops gracefully.
    func listening<T>(_ body: () async throws -> T) async rethrows -> T {
        state.withLock { $0.listeners += 1 }
        defer { state.withLock { $0.listeners -= 1 } }
        return try await body()
    }

    /// Returns once the signal has fired, or when the waiting task is cancelled.
    func wait() async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state -> Bool in
                    if state.fired || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
