import Foundation
import Synchronization

/// A `notify` process started by a test: the real executable, with its own environment.
public final class NotifyProcess: Sendable {
    let process: Process
    let exit = ExitState()
    /// Standard error and output of the process, collected in a file.
    public let logPath: String

    /// The path of the `notify` executable built next to the test bundle.
    public static var executablePath: String {
        get throws {
            let testBinary = URL(fileURLWithPath: CommandLine.arguments[0])
            var directory = testBinary.deletingLastPathComponent()
            if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
            let candidates =
                [directory.appendingPathComponent("notify").path]
                + ["debug", "release"].map { FileManager.default.currentDirectoryPath + "/.build/\($0)/notify" }
            guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw NotifyProcessError(
                    message:
                        "the notify executable was not found next to the tests (\(candidates[0])): run `swift build` first"
                )
            }
            return path
        }
    }

    /// Starts `notify` with `arguments`, `DATABASE_URL` (none when `databaseURL` is nil) and extra
    /// environment.
    ///
    /// `Process.run()` can block in Foundation on Linux, so it runs on a thread of its own rather
    /// than on Swift's cooperative pool.
    public static func start(
        _ arguments: [String], databaseURL: String?, environment: [String: String] = [:]
    ) async throws -> NotifyProcess {
        let started = try NotifyProcess(arguments, databaseURL: databaseURL, environment: environment)
        let box = UncheckedProcess(process: started.process)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                continuation.resume(with: Result { try box.process.run() })
            }
        }
        return started
    }

    private init(_ arguments: [String], databaseURL: String?, environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.executablePath)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = databaseURL
        env["NOTIFY_LOG_LEVEL"] = env["NOTIFY_TEST_LOG_LEVEL"] ?? "info"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let logPath = NSTemporaryDirectory() + "notify-test-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = handle
        process.standardOutput = handle
        self.logPath = logPath
        self.process = process
        let exit = self.exit
        process.terminationHandler = { process in
            let status = process.terminationStatus
            let waiters = exit.state.withLock { state -> [CheckedContinuation<Int32, Never>] in
                state.status = status
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: status) }
        }
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// Sends a signal (SIGTERM, SIGKILL, …).
    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Runs `notify` with `arguments` to its end; returns its exit status and what it printed.
    public static func run(
        _ arguments: [String], databaseURL: String?, environment: [String: String] = [:]
    ) async throws -> (status: Int32, log: String) {
        let process = try await start(arguments, databaseURL: databaseURL, environment: environment)
        let status = await process.waitForExit()
        return (status, process.log)
    }

    /// Waits for the process to exit and returns its status (the signal number if killed).
    public func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            let status = exit.state.withLock { state -> Int32? in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    /// Whether the process has exited.
    public var hasExited: Bool { exit.state.withLock { $0.status != nil } }

    /// What the process printed so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The log goes with the process object (a failing test prints what it needs of it), unless
    /// `NOTIFY_TEST_KEEP_LOGS` is set: a test run no longer leaves a file in the temporary folder
    /// for every process it started.
    deinit {
        if ProcessInfo.processInfo.environment["NOTIFY_TEST_KEEP_LOGS"] == nil {
            try? FileManager.default.removeItem(atPath: logPath)
        }
    }

    /// Kills the process if it still runs (for cleanup).
    public func stop() async {
        if !hasExited {
            signal(SIGKILL)
            _ = await waitForExit()
        }
    }
}

/// A failure to run a test process.
public struct NotifyProcessError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The exit status of a process and who waits for it.
final class ExitState: Sendable {
    let state = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))
}

/// A Process handed to the thread that launches it.
struct UncheckedProcess: @unchecked Sendable {
    let process: Process
}
