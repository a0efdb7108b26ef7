import Foundation
import Synchronization

/// The wall clock a function reads. Injected so that tests can move time (quiet hours, schedules,
/// DST changes) without sleeping.
public protocol NotifyClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's wall clock.
public struct SystemClock: NotifyClock {
    /// Creates the system clock.
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that stands still until it is set or advanced. For tests and `notify invoke --now`.
public final class ManualClock: NotifyClock {
    private let current: Mutex<Date>

    /// Creates a clock showing `start`.
    public init(_ start: Date) { self.current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    /// Sets the time.
    public func set(_ date: Date) { current.withLock { $0 = date } }

    /// Moves the time forward.
    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}
