import Synchronization

/// Jobs a worker claimed as they were enqueued (``ChainedClaim``), waiting for its claim loop to
/// start them. Closed when the worker drains: jobs handed over after that are released.
final class ChainHandoff: Sendable {
    private struct State {
        var jobs: [ClaimedJob] = []
        var closed = false
        var release: (@Sendable ([ClaimedJob]) -> Void)?
    }

    private let state = Mutex(State())

    /// Sets where refused jobs go to be released (the worker's completion batchers).
    func releaseRefused(through release: @escaping @Sendable ([ClaimedJob]) -> Void) {
        state.withLock { $0.release = release }
    }

    /// Whether the worker has stopped taking jobs.
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Jobs handed over and not yet started.
    var pendingCount: Int { state.withLock { $0.jobs.count } }

    /// Hands jobs over; after ``close()`` they are released instead.
    func hand(_ jobs: [ClaimedJob]) {
        let refused = state.withLock { state -> (@Sendable ([ClaimedJob]) -> Void)? in
            guard state.closed else {
                state.jobs.append(contentsOf: jobs)
                return nil
            }
            return state.release
        }
        refused?(jobs)
    }

    /// Takes the jobs handed over since the last call.
    func take() -> [ClaimedJob] {
        state.withLock { state in
            defer { state.jobs = [] }
            return state.jobs
        }
    }

    /// Stops taking jobs and releases the ones not started.
    func close() {
        let (left, release) = state.withLock { state in
            state.closed = true
            defer { state.jobs = [] }
            return (state.jobs, state.release)
        }
        if !left.isEmpty { release?(left) }
    }
}
