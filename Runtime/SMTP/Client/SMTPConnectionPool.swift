import NIOCore
import Synchronization

/// Keeps a few authenticated sessions open so consecutive sends skip the handshake.
///
/// At most `maxConnections` sessions exist at once; a send that finds them all busy waits for
/// one until its deadline. Idle sessions close after `idleTimeout`, sessions retire after
/// `maxMessagesPerConnection` messages, and broken sessions are dropped on release.
final class SMTPConnectionPool: Sendable {
    /// What a lease gives: a ready session, or permission to open a new one.
    enum Lease: Sendable {
        case existing(SMTPConnection, idleSince: NIODeadline)
        case create
    }

    private struct Idle {
        let connection: SMTPConnection
        let since: NIODeadline
    }

    private struct Waiter {
        let id: Int
        let promise: EventLoopPromise<Lease>
    }

    private struct State {
        var idle: [Idle] = []
        var open = 0
        var opened = 0
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var isShutDown = false
    }

    private let state = Mutex(State())
    private let group: any EventLoopGroup
    private let maxConnections: Int
    private let maxMessagesPerConnection: Int
    private let idleTimeout: TimeAmount

    init(group: any EventLoopGroup, maxConnections: Int, maxMessagesPerConnection: Int, idleTimeout: TimeAmount) {
        self.group = group
        self.maxConnections = max(1, maxConnections)
        self.maxMessagesPerConnection = max(1, maxMessagesPerConnection)
        self.idleTimeout = idleTimeout
    }

    /// Sessions opened since the pool was created (for tests and metrics).
    var connectionsOpened: Int { state.withLock { $0.opened } }

    /// Returns an idle session, permission to open one, or waits for one until `deadline`.
    func lease(deadline: NIODeadline) async throws -> Lease {
        enum Decision {
            case lease(Lease)
            case wait(EventLoopPromise<Lease>, id: Int)
            case shutDown
        }
        let now = NIODeadline.now()
        let (decision, stale) = state.withLock { state -> (Decision, [SMTPConnection]) in
            guard !state.isShutDown else { return (.shutDown, []) }
            let stale = prune(&state, now: now)
            if let idle = state.idle.popLast() {
                return (.lease(.existing(idle.connection, idleSince: idle.since)), stale)
            }
            if state.open < maxConnections {
                state.open += 1
                state.opened += 1
                return (.lease(.create), stale)
            }
            let promise = group.any().makePromise(of: Lease.self)
            state.nextWaiterID += 1
            state.waiters.append(Waiter(id: state.nextWaiterID, promise: promise))
            return (.wait(promise, id: state.nextWaiterID), stale)
        }
        stale.forEach(Self.close)
        switch decision {
        case .shutDown:
            throw SMTPClientError(code: .shutDown, stage: .pool, message: "The SMTP client was shut down.")
        case .lease(let lease):
            return lease
        case .wait(let promise, let id):
            let timer = promise.futureResult.eventLoop.scheduleTask(deadline: deadline) { [weak self] in
                self?.expireWaiter(id: id)
            }
            promise.futureResult.whenComplete { _ in timer.cancel() }
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                self.expireWaiter(id: id)
            }
        }
    }

    /// Gives a session back: kept for reuse when healthy, otherwise closed and its slot freed.
    func release(_ connection: SMTPConnection) {
        let reusable = connection.isUsable && connection.messagesSent < maxMessagesPerConnection
        let now = NIODeadline.now()
        let (handOff, close) = state.withLock { state -> (EventLoopPromise<Lease>?, Bool) in
            if reusable, !state.isShutDown {
                if !state.waiters.isEmpty {
                    let waiter = state.waiters.removeFirst()
                    return (waiter.promise, false)
                }
                state.idle.append(Idle(connection: connection, since: now))
                return (nil, false)
            }
            state.open -= 1
            return (grantCreate(&state), true)
        }
        if close {
            Self.close(connection)
            handOff?.succeed(.create)
        } else if let handOff {
            handOff.succeed(.existing(connection, idleSince: now))
        } else {
            connection.channel.eventLoop.scheduleTask(in: idleTimeout) { [weak self] in
                self?.closeExpired()
            }
        }
    }

    /// Frees the slot of a session that could not be opened.
    func releaseSlot() {
        let waiter = state.withLock { state -> EventLoopPromise<Lease>? in
            state.open -= 1
            return grantCreate(&state)
        }
        waiter?.succeed(.create)
    }

    /// Closes idle sessions (sending QUIT) and fails waiting sends; later leases fail.
    func shutdown() async {
        let (idle, waiters) = state.withLock { state -> ([Idle], [Waiter]) in
            state.isShutDown = true
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters {
            waiter.promise.fail(
                SMTPClientError(code: .shutDown, stage: .pool, message: "The SMTP client was shut down."))
        }
        for entry in idle {
            await entry.connection.quit(deadline: .now() + .seconds(2))
        }
    }

    private func grantCreate(_ state: inout State) -> EventLoopPromise<Lease>? {
        guard !state.waiters.isEmpty, state.open < maxConnections, !state.isShutDown else { return nil }
        state.open += 1
        state.opened += 1
        return state.waiters.removeFirst().promise
    }

    private func expireWaiter(id: Int) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.promise.fail(
            SMTPClientError(
                code: .poolTimeout, stage: .pool,
                message: "Every SMTP connection stayed busy until the deadline; raise maxConnections or the timeout."))
    }

    private func closeExpired() {
        let now = NIODeadline.now()
        let stale = state.withLock { prune(&$0, now: now) }
        stale.forEach(Self.close)
    }

    /// Removes idle sessions that are broken or idle too long; returns them for closing.
    private func prune(_ state: inout State, now: NIODeadline) -> [SMTPConnection] {
        var stale: [SMTPConnection] = []
        state.idle.removeAll { entry in
            let expired = now - entry.since >= idleTimeout || !entry.connection.isUsable
            if expired { stale.append(entry.connection) }
            return expired
        }
        state.open -= stale.count
        return stale
    }

    /// Says QUIT without waiting for the answer, then closes.
    private static func close(_ connection: SMTPConnection) {
        let channel = connection.channel
        guard channel.isActive else { return }
        channel.writeAndFlush(ByteBuffer(string: SMTPCommand.quit.wireFormat)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
