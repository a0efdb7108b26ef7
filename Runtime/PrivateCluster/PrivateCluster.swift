import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A private PostgreSQL cluster started from the installed server binaries, for `notify dev` and
/// for the test suite.
///
/// The server listens on 127.0.0.1 only, at a free port picked at start, with trust authentication
/// for the superuser `notify`; and on a unix socket in its data folder (a private folder), when the
/// folder's path is short enough for one (``socketDirectory``). When the process runs as root, the
/// server programs run as the OS user `postgres`, which owns the data folder.
///
/// `postgres` runs as a child of this process (not daemonised by `pg_ctl start`), its output
/// appended to ``logFile``; ``stop()`` stops it with `pg_ctl stop -m fast` and awaits its exit.
///
/// A persistent data folder that already holds a cluster is reused as it is. If a server is
/// already running on it, ``start(_:logger:)`` fails with `already_running`, naming the folder and
/// the pid, rather than sharing a server another process started and may stop at any time.
///
/// Call ``stop()`` when done, or ``stopImmediatelyForProcessExit()`` from an exit path; a cluster
/// that is merely released keeps running.
public final class PrivateCluster: Sendable {
    private enum State: Sendable {
        case running
        case stopping
        case stopped
    }

    /// The address the server listens on: always `"127.0.0.1"`.
    public let host = "127.0.0.1"
    /// The TCP port the server listens on.
    public let port: Int
    /// The folder of the server's unix socket (`.s.PGSQL.<port>`): the data folder, or nil when its
    /// path is too long for a socket's (over ``maximumSocketDirectoryLength`` bytes).
    public let socketDirectory: String?
    /// The superuser, which needs no password from 127.0.0.1: always `"notify"`.
    public let username = PrivateCluster.superuser
    /// The binaries the cluster runs, e.g. to find `psql` with `binaries.path(of: "psql")`.
    public let binaries: PostgresBinaries

    /// The data folder (`PGDATA`) as an absolute path.
    public var dataDirectory: String { directory.path }
    /// The server log, inside the data folder.
    public var logFile: String { directory.logFile }
    /// Whether the data folder is temporary and removed by ``stop()``.
    public let isTemporary: Bool

    static let superuser = "notify"
    /// The longest socket folder: a socket's path (`<folder>/.s.PGSQL.<port>`) has at most 107 bytes.
    public static let maximumSocketDirectoryLength = 92
    static let maximumStartAttempts = 5
    static let startTimeout: Duration = .seconds(30)

    private let directory: ClusterDirectory
    private let account: ServerAccount
    private let environment: [String: String]
    private let logger: Logger
    private let server: ServerProcess
    private let postmasterPID: pid_t
    private let state = Mutex(State.running)

    private init(
        launched: Launched,
        binaries: PostgresBinaries,
        directory: ClusterDirectory,
        isTemporary: Bool,
        account: ServerAccount,
        environment: [String: String],
        logger: Logger
    ) {
        self.port = launched.port
        self.socketDirectory = Self.socketDirectory(for: directory.path)
        self.server = launched.server
        self.postmasterPID = launched.pid
        self.binaries = binaries
        self.directory = directory
        self.isTemporary = isTemporary
        self.account = account
        self.environment = environment
        self.logger = logger
    }

    /// A libpq-style URL for `database`: `postgres://notify@127.0.0.1:PORT/DATABASE`.
    ///
    /// - Parameter database: The database name; percent-encoded as needed.
    /// - Returns: The URL, with no password (none is needed).
    public func connectionURL(database: String = "postgres") -> String {
        "postgres://\(username)@\(host):\(port)/\(Self.urlComponent(database))"
    }

    /// A URL for `database` over the unix socket, `postgres://notify@%2Fpath%2Fto%2Fdata:PORT/DATABASE`,
    /// which libpq and ``connectionURL(database:)``'s users read alike; the TCP URL when there is no
    /// socket. For clients on this machine: a local socket costs the server and the client less
    /// per statement than loopback TCP.
    ///
    /// - Parameter database: The database name; percent-encoded as needed.
    /// - Returns: The URL, with no password (none is needed).
    public func localConnectionURL(database: String = "postgres") -> String {
        guard let socketDirectory else { return connectionURL(database: database) }
        return "postgres://\(username)@\(Self.urlComponent(socketDirectory)):\(port)/\(Self.urlComponent(database))"
    }

    /// `text` percent-encoded as one part of a URL: slashes too, so a folder fits in the host.
    private static func urlComponent(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The data folder as the socket folder, if its path is short enough.
    static func socketDirectory(for path: String) -> String? {
        path.utf8.count <= maximumSocketDirectoryLength ? path : nil
    }

    // MARK: Starting

    /// Starts a private cluster: locates the binaries, creates or reuses the data folder, runs
    /// `initdb` when the folder holds no cluster yet, and starts the server on a free loopback port.
    ///
    /// Cancelling the calling task while it waits for the server to come up ends that server and
    /// throws `CancellationError`; a cancelled `initdb` still runs to its end.
    ///
    /// - Parameters:
    ///   - options: Where the data lives, whether it is durable, extra settings.
    ///   - logger: Receives progress at `info`/`debug` and file-system changes at `notice`.
    /// - Returns: The running cluster.
    /// - Throws: ``PrivateClusterError`` saying what to fix, with the tail of the failing command's
    ///   output or of the server log in ``PrivateClusterError/details``.
    public static func start(_ options: Options, logger: Logger) async throws -> PrivateCluster {
        try await start(options, logger: logger, environment: ProcessInfo.processInfo.environment)
    }

    /// ``start(_:logger:)`` with an injectable environment (for `PATH`), for tests.
    static func start(_ options: Options, logger: Logger, environment: [String: String]) async throws -> PrivateCluster
    {
        let binaries = try PostgresBinaries.locate(environment: environment)
        let account = try ServerAccount.forServer(environment: environment)
        let settings = try options.serverSettings()
        let childEnvironment = ServerAccount.childEnvironment(from: environment)
        let isTemporary = options.dataDirectory == nil
        let directory: ClusterDirectory
        if let path = options.dataDirectory {
            directory = try ClusterDirectory.openPersistent(path, for: account, logger: logger)
        } else {
            directory = try ClusterDirectory.makeTemporary(for: account, logger: logger)
        }
        var logger = logger
        logger[metadataKey: "pgdata"] = "\(directory.path)"

        do {
            if directory.holdsCluster {
                try await checkReusable(directory, binaries: binaries, account: account, environment: childEnvironment)
                logger.info("reusing the PostgreSQL cluster in the data folder")
            } else {
                guard directory.isEmpty else {
                    throw PrivateClusterError(
                        .dataDirectoryInvalid,
                        "The data folder \(directory.path) is not empty but holds no PostgreSQL cluster "
                            + "(no PG_VERSION file): choose an empty or new folder, or empty this one."
                    )
                }
                try await initialize(
                    directory, binaries: binaries, account: account, fast: isTemporary && !options.durable,
                    environment: childEnvironment, logger: logger)
            }
            let launched = try await launch(
                directory, settings: Options.withSocket(settings, in: Self.socketDirectory(for: directory.path)),
                binaries: binaries, account: account, keepsLog: !isTemporary,
                port: options.port, environment: childEnvironment, logger: logger)
            let cluster = PrivateCluster(
                launched: launched, binaries: binaries, directory: directory, isTemporary: isTemporary,
                account: account, environment: childEnvironment, logger: logger)
            logger.info(
                "private PostgreSQL cluster is running",
                metadata: [
                    "port": "\(launched.port)", "pid": "\(launched.pid)", "binaries": "\(binaries.directory)",
                    "temporary": "\(isTemporary)",
                ])
            return cluster
        } catch {
            if isTemporary { try? directory.remove() }
            throw error
        }
    }

    /// Refuses a folder whose cluster another server runs on, or that other binaries made.
    private static func checkReusable(
        _ directory: ClusterDirectory,
        binaries: PostgresBinaries,
        account: ServerAccount,
        environment: [String: String]
    ) async throws {
        if let pid = directory.runningPostmasterPID {
            let (program, arguments) = account.command(
                binaries.path(of: "pg_ctl"), ["-D", directory.path, "-m", "fast", "stop"])
            let stopCommand = ([program] + arguments).map(ChildProcess.shellQuoted).joined(separator: " ")
            throw PrivateClusterError(
                .alreadyRunning,
                "A PostgreSQL server (pid \(pid)) is already running on the data folder \(directory.path): "
                    + "stop it first (end the other `notify dev`, or run `\(stopCommand)`), or use another data folder."
            )
        }
        guard let clusterVersion = directory.clusterVersion else { return }
        let serverVersion = try await majorVersion(of: binaries, environment: environment)
        if let serverVersion, serverVersion != clusterVersion {
            throw PrivateClusterError(
                .dataDirectoryInvalid,
                "The data folder \(directory.path) holds a PostgreSQL \(clusterVersion) cluster but the binaries in "
                    + "\(binaries.directory) are PostgreSQL \(serverVersion): put PostgreSQL \(clusterVersion)'s "
                    + "binaries first on PATH, or remove the folder to start afresh (its data will be lost)."
            )
        }
    }

    /// The major version of the binaries: from their path, else from `postgres --version`.
    static func majorVersion(of binaries: PostgresBinaries, environment: [String: String]) async throws -> String? {
        if let version = binaries.version { return version }
        let probe = ChildProcess(
            executable: binaries.path(of: "postgres"), arguments: ["--version"], environment: environment,
            timeout: .seconds(30))
        let outcome = try await probe.run()
        guard outcome.succeeded else { return nil }
        // "postgres (PostgreSQL) 16.4 (Homebrew)"
        guard let range = outcome.output.range(of: "(PostgreSQL) ") else { return nil }
        let number = outcome.output[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        let parts = number.split(separator: ".")
        guard let first = parts.first, let major = Int(first) else { return nil }
        return major >= 10 || parts.count < 2 ? "\(major)" : "\(major).\(parts[1])"
    }

    /// Runs `initdb` on the empty folder.
    private static func initialize(
        _ directory: ClusterDirectory,
        binaries: PostgresBinaries,
        account: ServerAccount,
        fast: Bool,
        environment: [String: String],
        logger: Logger
    ) async throws {
        var arguments = [
            "--pgdata=\(directory.path)", "--auth=trust", "--username=\(superuser)", "--encoding=UTF8",
            "--locale=C",
        ]
        if fast { arguments.append("--no-sync") }
        let child = account.childProcess(
            binaries.path(of: "initdb"), arguments, environment: environment, timeout: .seconds(300))
        logger.info("creating a PostgreSQL cluster with initdb", metadata: ["user": "\(account.name)"])
        logger.debug("running \(child.commandLine)")
        let outcome: ChildProcess.Outcome
        do {
            outcome = try await child.run()
        } catch {
            throw PrivateClusterError(
                .initdbFailed,
                "Could not run \(child.executable) (\(error)): check that it is installed and executable.")
        }
        guard outcome.succeeded else {
            throw PrivateClusterError(
                .initdbFailed,
                "initdb could not create a cluster in \(directory.path) (it \(outcome.endedHow)): its output below says why.",
                details: outcome.tail()
            )
        }
    }

    /// A server that is up: its process, port and postmaster pid.
    private struct Launched {
        let server: ServerProcess
        let port: Int
        let pid: pid_t
    }

    /// Writes the settings and starts `postgres` as a child, then waits until `postmaster.pid`
    /// says it is ready; picks another port when the one picked was taken in the meantime.
    private static func launch(
        _ directory: ClusterDirectory,
        settings: [(name: String, value: String)],
        binaries: PostgresBinaries,
        account: ServerAccount,
        keepsLog: Bool,
        port requestedPort: Int?,
        environment: [String: String],
        logger: Logger
    ) async throws -> Launched {
        directory.rotateLogIfLarge()
        for attempt in 1...maximumStartAttempts {
            let port = try requestedPort ?? LoopbackPort.pickFree()
            try directory.writeConfiguration(Options.configurationText(settings: settings, port: port), owner: account)
            let logOffset = directory.logSize
            let (program, arguments) = account.command(binaries.path(of: "postgres"), ["-D", directory.path])
            let server = try await ServerProcess.launch(
                executable: program, arguments: arguments, environment: environment, logFile: directory.logFile,
                logOwner: account)
            logger.debug("started \(server.commandLine)", metadata: ["port": "\(port)"])

            let failure: String
            let deadline = ContinuousClock.now + startTimeout
            while true {
                if let status = directory.postmasterStatus, status.port == port, status.isReady,
                    ClusterDirectory.isAlive(status.pid)
                {
                    return Launched(server: server, port: port, pid: status.pid)
                }
                if let endedHow = server.endedHow {
                    failure = "the server \(endedHow)"
                    break
                }
                if ContinuousClock.now >= deadline {
                    failure = "the server was not ready within \(startTimeout)"
                    await abandon(server, directory: directory)
                    break
                }
                do {
                    try await Task.sleep(for: .milliseconds(25))
                } catch {
                    await abandon(server, directory: directory)
                    throw error
                }
            }

            let serverLog = directory.log(from: logOffset)
            let clash = serverLog.contains("Address already in use") || serverLog.contains("could not bind")
            if clash && attempt < maximumStartAttempts && requestedPort == nil {
                logger.notice(
                    "the picked port was taken before the server bound it; trying another",
                    metadata: ["port": "\(port)"])
                continue
            }
            let whereLog = keepsLog ? "; the full server log is \(directory.logFile)" : ""
            throw PrivateClusterError(
                .startFailed,
                "PostgreSQL did not start on \(directory.path) (\(failure)): the server log below says why\(whereLog).",
                details: ChildProcess.tail(of: serverLog, lines: 25)
            )
        }
        throw PrivateClusterError(.startFailed, "PostgreSQL did not start on \(directory.path).")
    }

    /// Ends a server that never became ready: SIGQUIT to its postmaster, SIGTERM to the child.
    private static func abandon(_ server: ServerProcess, directory: ClusterDirectory) async {
        if let pid = directory.runningPostmasterPID { _ = kill(pid, SIGQUIT) }
        server.terminate()
        _ = await server.waitForExit(timeout: .seconds(10))
    }

    // MARK: Stopping

    /// Stops the server with `pg_ctl stop -m fast` (open sessions are ended, then a clean
    /// shutdown), awaits its exit and, for a temporary cluster, removes its data folder.
    ///
    /// Calling it again, or after ``stopImmediatelyForProcessExit()``, does nothing.
    ///
    /// - Throws: `stop_failed` when the server would not stop or the temporary folder would not go.
    public func stop() async throws {
        let proceed = state.withLock { state -> Bool in
            guard case .running = state else { return false }
            state = .stopping
            return true
        }
        guard proceed else { return }
        do {
            try await stopServer()
        } catch {
            state.withLock { $0 = .running }
            throw error
        }
        state.withLock { $0 = .stopped }
        if isTemporary {
            do {
                try directory.remove()
            } catch {
                throw PrivateClusterError(
                    .stopFailed,
                    "PostgreSQL stopped but its temporary folder \(directory.path) could not be removed (\(error)): "
                        + "remove it by hand."
                )
            }
        }
        logger.info("private PostgreSQL cluster stopped")
    }

    /// `pg_ctl stop -m fast`, then awaits the child's exit; signals the postmaster directly when
    /// `pg_ctl` could not.
    private func stopServer() async throws {
        guard !server.hasExited else { return }
        let child = account.childProcess(
            binaries.path(of: "pg_ctl"), ["-D", directory.path, "-m", "fast", "-w", "-t", "60", "stop"],
            environment: environment, timeout: .seconds(90))
        logger.debug("running \(child.commandLine)")
        let outcome = try? await child.run()
        if await server.waitForExit(timeout: .seconds(outcome?.succeeded == true ? 30 : 1)) { return }

        // pg_ctl could not do it (e.g. postmaster.pid was removed): fast shutdown by signal.
        if ClusterDirectory.isAlive(postmasterPID) { _ = kill(postmasterPID, SIGINT) }
        if await server.waitForExit(timeout: .seconds(60)) { return }
        throw PrivateClusterError(
            .stopFailed,
            "PostgreSQL (pid \(postmasterPID)) did not stop on \(directory.path): the output below says why; "
                + "end it with `kill -QUIT \(postmasterPID)` if it hangs.",
            details: [outcome?.tail(8) ?? "", ChildProcess.tail(of: directory.log(from: 0), lines: 15)]
                .filter { !$0.isEmpty }.joined(separator: "\n--- server log ---\n")
        )
    }

    /// Stops the server at once and, for a temporary cluster, removes its data folder; for exit paths.
    ///
    /// Synchronous and free of Swift concurrency, so it may run from an `atexit` handler or a
    /// signal-handling thread. It signals the postmaster: a temporary cluster gets SIGQUIT
    /// (immediate shutdown, since its data is discarded anyway); a persistent one gets SIGINT (fast
    /// shutdown, a clean checkpoint), escalated to SIGQUIT after 10 seconds. It then waits up to a
    /// few seconds for the server to exit. Calling it again, or after ``stop()``, does nothing.
    public func stopImmediatelyForProcessExit() {
        let proceed = state.withLock { state -> Bool in
            if case .stopped = state { return false }
            state = .stopped
            return true
        }
        guard proceed else { return }
        let pid = postmasterPID
        if !server.hasExited, ClusterDirectory.isAlive(pid) {
            if isTemporary {
                _ = kill(pid, SIGQUIT)
                _ = waitForExit(of: pid, seconds: 5)
            } else {
                _ = kill(pid, SIGINT)
                if !waitForExit(of: pid, seconds: 10) {
                    _ = kill(pid, SIGQUIT)
                    _ = waitForExit(of: pid, seconds: 5)
                }
            }
        }
        if isTemporary { try? directory.remove() }
    }

    /// Polls until the postmaster has exited (and so removed its pid file), up to `seconds`.
    private func waitForExit(of pid: pid_t, seconds: Int) -> Bool {
        let deadline = Date().addingTimeInterval(TimeInterval(seconds))
        while Date() < deadline {
            if server.hasExited || !ClusterDirectory.isAlive(pid) { return true }
            usleep(10_000)
        }
        return false
    }
}
