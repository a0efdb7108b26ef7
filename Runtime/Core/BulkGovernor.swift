import Synchronization

/// Gives the bulk lane only the capacity the critical lane leaves it.
///
/// Reserved slots, a connection pool and an executor of its own keep a one-time passcode from
/// queueing behind a campaign inside the worker, but not from sharing the cores and the database
/// with it: a campaign draining as fast as it can slows every round trip an OTP makes. So the
/// worker watches how long the critical lane's completion transactions take, the part of an OTP's
/// path that is pure database work. When one takes longer than the target (the configured one, or
/// twice the fastest completion of the last 5 to 10 seconds when that is more, so that a
/// database across a network does not look congested all the time), the number of bulk jobs
/// the worker keeps in flight is halved (down to none: bulk claims pause); while they stay fast it
/// grows back by ``recoveryPerSecond`` slots a second, up to the configured cap. A campaign thus
/// drains as fast as it can without slowing the critical lane, like a TCP sender that backs off
/// when the network queues.
///
/// Workers share the signal: a cut calls `onCut` (the worker announces it to every worker on
/// the wake-up channel, at most once per ``signalInterval``), and a cut announced by another
/// worker halves this one's limit too (``observeRemoteCut(at:)``). So a worker that runs only
/// campaign work (`--min-lane transactional`), and never sees a critical completion itself, backs
/// off when the workers that serve one-time passcodes see them slow down.
final class BulkGovernor: Sendable {
    private struct State {
        var limit: Double
        var updated: ContinuousClock.Instant
        var lastCut: ContinuousClock.Instant?
        /// The fastest completion of the current and the previous five-second bucket.
        var currentFastest: Duration?
        var previousFastest: Duration?
        var bucketStart: ContinuousClock.Instant
        var lastRemoteCut: ContinuousClock.Instant?
        var lastSignal: ContinuousClock.Instant?
    }

    /// The shortest time between two cuts announced to other workers, and between two cuts taken
    /// from them: a burst of slow completions is one signal, and a NOTIFY is a commit.
    static let signalInterval: Duration = .milliseconds(100)

    /// How long one bucket of the fastest-completion window lasts.
    static let bucket: Duration = .seconds(5)

    /// The cap (``WorkerConfiguration/bulkConcurrency``).
    let maximum: Int
    /// The longest a critical completion may take before bulk work backs off (nil: never backs off).
    let target: Duration?
    /// Bulk slots regained per second while the critical lane stays fast.
    let recoveryPerSecond: Double
    private let state: Mutex<State>
    private let onCut: @Sendable () -> Void

    init(
        maximum: Int, target: Duration?, recoveryPerSecond: Double = 4, onCut: @escaping @Sendable () -> Void = {}
    ) {
        self.maximum = max(1, maximum)
        self.target = target
        self.recoveryPerSecond = recoveryPerSecond
        self.onCut = onCut
        self.state = Mutex(State(limit: Double(max(1, maximum)), updated: .now, bucketStart: .now))
    }

    /// Reports that a critical completion took `duration`; returns whether the limit was cut.
    @discardableResult
    func observeCritical(_ duration: Duration, at now: ContinuousClock.Instant = .now) -> Bool {
        guard let target else { return false }
        let (cut, announce) = state.withLock { state -> (Bool, Bool) in
            let fastest = Self.noteFastest(duration, in: &state, now: now)
            guard duration > max(target, fastest * 2) else { return (false, false) }
            recover(&state, now: now)
            // One cut per target interval: a burst of slow completions is one congestion signal.
            if let last = state.lastCut, now - last < target { return (false, false) }
            Self.halve(&state)
            state.lastCut = now
            guard state.lastSignal.map({ now - $0 >= Self.signalInterval }) ?? true else { return (true, false) }
            state.lastSignal = now
            return (true, true)
        }
        if announce { onCut() }
        return cut
    }

    /// Takes a cut another worker announced: halves the limit, at most once per
    /// ``signalInterval``. Nothing when this worker never backs off (no target).
    func observeRemoteCut(at now: ContinuousClock.Instant = .now) {
        guard target != nil else { return }
        state.withLock { state in
            recover(&state, now: now)
            if let last = state.lastRemoteCut, now - last < Self.signalInterval { return }
            Self.halve(&state)
            state.lastRemoteCut = now
        }
    }

    private static func halve(_ state: inout State) {
        state.limit = state.limit >= 1 ? state.limit / 2 : 0
        if state.limit < 0.5 { state.limit = 0 }
    }

    /// How many bulk jobs may be in flight now.
    func allowance(at now: ContinuousClock.Instant = .now) -> Int {
        state.withLock { state in
            recover(&state, now: now)
            return Int(state.limit)
        }
    }

    /// Waits while bulk work is paused (no allowance), checking every 10 ms, for `limit` at most.
    func waitWhilePaused(limit: Duration = .milliseconds(500)) async {
        let deadline = ContinuousClock.now + limit
        while allowance() == 0 && ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Whether bulk work is held below the cap.
    func isThrottling(at now: ContinuousClock.Instant = .now) -> Bool { allowance(at: now) < maximum }

    /// Records `duration` in the fastest-completion window and returns the window's fastest.
    private static func noteFastest(
        _ duration: Duration, in state: inout State, now: ContinuousClock.Instant
    )
        -> Duration
    {
        if now - state.bucketStart >= bucket {
            state.previousFastest = now - state.bucketStart >= bucket * 2 ? nil : state.currentFastest
            state.currentFastest = nil
            state.bucketStart = now
        }
        state.currentFastest = min(state.currentFastest ?? duration, duration)
        return min(state.currentFastest!, state.previousFastest ?? duration)
    }

    private func recover(_ state: inout State, now: ContinuousClock.Instant) {
        guard now > state.updated else { return }
        state.limit = min(Double(maximum), state.limit + (now - state.updated).inSeconds * recoveryPerSecond)
        state.updated = now
    }
}
