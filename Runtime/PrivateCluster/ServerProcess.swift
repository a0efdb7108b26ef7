import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The long-running `postgres` server, spawned directly as a child of this process.
///
/// The server is not started through `pg_ctl start`: that daemonises the postmaster, which then
/// inherits the descriptor Foundation's `Process` on Linux watches to notice a child's exit, so the
/// exit of `pg_ctl` would never be reported. As a direct child (through `runuser` when root), the
/// server's exit is reported by `terminationHandler` like any other.
///
/// Its standard output and error go to the server log; its standard input is `/dev/null`.
final class ServerProcess: Sendable {
    private struct State {
        var process: Process?
        var exit: (status: Int32, bySignal: Bool)?
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    /// The command line, for logs.
    let commandLine: String

    private init(commandLine: String) {
        self.commandLine = commandLine
    }

    /// Spawns `executable arguments…` with its output appended to `logFile`.
    ///
    /// - Throws: `start_failed` when the log cannot be opened or the program cannot be started.
    static func launch(
        executable: String,
        arguments: [String],
        environment: [String: String],
        logFile: String,
        logOwner account: ServerAccount
    ) async throws -> ServerProcess {
        let descriptor = open(logFile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw PrivateClusterError(
                .startFailed,
                "Could not open the server log \(logFile) (\(String(cString: strerror(errno)))): "
                    + "check that the data folder is writable."
            )
        }
        if account.isSwitched { _ = fchown(descriptor, account.uid, account.gid) }
        let log = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        defer { try? log.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: "/", isDirectory: true)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log

        let server = ServerProcess(
            commandLine: ([executable] + arguments).map(ChildProcess.shellQuoted).joined(separator: " "))
        process.terminationHandler = { finished in
            server.exited(status: finished.terminationStatus, bySignal: finished.terminationReason == .uncaughtSignal)
        }
        server.state.withLock { $0.process = process }
        do {
            // `Process.run()` can block in Foundation on Linux: launch from a thread of its own.
            let launch = UncheckedProcess(process: process)
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                Thread.detachNewThread { continuation.resume(with: Result { try launch.process.run() }) }
            }
        } catch {
            throw PrivateClusterError(
                .startFailed,
                "Could not run \(executable) (\(error)): check that it is installed and executable."
            )
        }
        return server
    }

    /// Whether the child has exited.
    var hasExited: Bool { state.withLock { $0.exit != nil } }

    /// A short phrase saying how the child ended, or `nil` while it runs.
    var endedHow: String? {
        state.withLock { state in
            state.exit.map { $0.bySignal ? "was killed by signal \($0.status)" : "exited with status \($0.status)" }
        }
    }

    /// Sends SIGTERM to the child itself (the server, or the `runuser` running it).
    func terminate() {
        let process = state.withLock { $0.exit == nil ? $0.process : nil }
        if let process, process.processIdentifier > 0 { _ = kill(process.processIdentifier, SIGTERM) }
    }

    /// Suspends until the child has exited, or `timeout` has passed.
    ///
    /// - Returns: Whether the child has exited.
    func waitForExit(timeout: Duration) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let id = state.withLock { state -> UInt64? in
                if state.exit != nil { return nil }
                state.nextWaiter += 1
                state.waiters[state.nextWaiter] = continuation
                return state.nextWaiter
            }
            guard let id else {
                continuation.resume(returning: true)
                return
            }
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
                let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.resume(returning: false)
            }
        }
    }

    private func exited(status: Int32, bySignal: Bool) {
        let waiters = state.withLock { state in
            state.exit = (status, bySignal)
            state.process = nil
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }
}

/// A `Process` handed to the thread that launches it; it is not used concurrently.
struct UncheckedProcess: @unchecked Sendable {
    let process: Process
}
