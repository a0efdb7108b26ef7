import NIOCore
import NIOPosix
import Synchronization

/// Wakes one waiting task: rung by wake-up notifications, freed capacity and shutdown.
///
/// A ring while nobody waits is remembered once, so a ring that lands between a claim and the
/// wait that follows it is never lost.
///
/// A wait is one continuation, and its timeout a timer on one of SwiftNIO's event loops that the
/// ring cancels. (A task group racing the ring against `Task.sleep` cost two tasks and a timer of
/// the global executor per wait, and the claim loop and the completion writers wait hundreds of
/// times a second under load.)
final class Doorbell: Sendable {
    private struct Waiter {
        var continuation: CheckedContinuation<Void, Never>
        /// Tells this wait from later ones, for a timer that fires after its wait ended.
        var number: UInt64
        var timer: Scheduled<Void>?
    }

    private struct State {
        var rung = false
        var waiter: Waiter?
        var cancelled = false
        var waits: UInt64 = 0
    }

    private let state = Mutex(State())

    init() {}

    /// Wakes the waiter, or remembers the ring for the next wait.
    func ring() {
        let waiter = state.withLock { state -> Waiter? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.rung = true
            return nil
        }
        guard let waiter else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume()
    }

    /// Returns when rung (at once if a ring is remembered), after `timeout`, or on cancellation.
    func wait(timeout: Duration) async {
        let remembered = state.withLock { state in
            defer {
                state.rung = false
                state.cancelled = false
            }
            return state.rung
        }
        if remembered { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let number = state.withLock { state -> UInt64? in
                    if state.rung || state.cancelled {
                        state.rung = false
                        return nil
                    }
                    state.waits &+= 1
                    state.waiter = Waiter(continuation: continuation, number: state.waits, timer: nil)
                    return state.waits
                }
                guard let number else {
                    continuation.resume()
                    return
                }
                let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(timeout)) {
                    self.expire(number)
                }
                // A ring or a cancellation may already have taken the waiter: then the timer
                // finds no wait of its number and does nothing.
                state.withLock { state in
                    if state.waiter?.number == number { state.waiter?.timer = timer }
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                state.cancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.timer?.cancel()
            waiter?.continuation.resume()
        }
    }

    /// Ends wait `number` if it is still waiting: its timeout passed.
    private func expire(_ number: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            guard state.waiter?.number == number else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.continuation.resume()
    }
}
