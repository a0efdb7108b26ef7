import Foundation
import Logging
import Testing

@testable import NotifyPrivateCluster

/// Real clusters: each test starts PostgreSQL from the installed binaries.
@Suite("PrivateCluster")
struct PrivateClusterTests {
    let logger: Logger = {
        var logger = Logger(label: "test.private-cluster")
        logger.logLevel = .notice
        return logger
    }()

    @Test("a temporary cluster answers queries, applies its settings, and is gone after stop()")
    func temporaryClusterLifecycle() async throws {
        let options = PrivateCluster.Options(
            durable: false, settings: ["work_mem": "8MB", "notify.marker": "it's \\ quoted"])
        try await withCluster(options) { cluster in try await checkTemporaryLifecycle(cluster) }
    }

    private func checkTemporaryLifecycle(_ cluster: PrivateCluster) async throws {
        let folder = cluster.dataDirectory
        #expect(cluster.host == "127.0.0.1")
        #expect(cluster.username == "notify")
        #expect(cluster.isTemporary)
        #expect(cluster.connectionURL() == "postgres://notify@127.0.0.1:\(cluster.port)/postgres")
        #expect(cluster.connectionURL(database: "a b") == "postgres://notify@127.0.0.1:\(cluster.port)/a%20b")

        #expect(try await psql(cluster, "SELECT 1") == "1")
        #expect(try await psql(cluster, "SHOW max_connections") == "300")
        #expect(try await psql(cluster, "SHOW shared_buffers") == "256MB")
        #expect(try await psql(cluster, "SHOW fsync") == "off")
        #expect(try await psql(cluster, "SHOW synchronous_commit") == "on")
        #expect(try await psql(cluster, "SHOW work_mem") == "8MB")
        #expect(try await psql(cluster, "SELECT current_setting('notify.marker')") == "it's \\ quoted")
        #expect(
            try await psql(cluster, "SELECT setting FROM pg_settings WHERE name = 'listen_addresses'") == "127.0.0.1")
        #expect(try await psql(cluster, "SHOW server_encoding") == "UTF8")
        #expect(LoopbackPort.isAccepting(cluster.port))
        try await checkUnixSocket(cluster)

        try await cluster.stop()
        #expect(!LoopbackPort.isAccepting(cluster.port))
        #expect(!FileManager.default.fileExists(atPath: folder))
        try await cluster.stop()  // a second stop does nothing
    }

    @Test("the server log keeps a failed statement's error but not its text, which can carry callers' values")
    func failedStatementTextIsNotLogged() async throws {
        try await withCluster(PrivateCluster.Options(durable: false)) { cluster in
            let failing = ChildProcess(
                executable: cluster.binaries.path(of: "psql"),
                arguments: [
                    "-X", "-h", cluster.host, "-p", "\(cluster.port)", "-U", cluster.username, "-d", "postgres",
                    "-Atc", "SELECT 1 / 0 WHERE 'code-48151623' <> ''",
                ],
                environment: ["PATH": "/usr/bin:/bin", "PGCONNECT_TIMEOUT": "10", "LC_ALL": "C"],
                timeout: .seconds(60))
            let outcome = try await failing.run()
            #expect(!outcome.succeeded)
            let log = (cluster.dataDirectory as NSString).appendingPathComponent("notify-server.log")
            var text = ""
            for _ in 0..<50 {
                text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if text.contains("division by zero") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(text.contains("division by zero"), "the error itself is logged")
            #expect(!text.contains("code-48151623"), "the statement's text is not")
        }
    }

    @Test("a durable temporary cluster keeps fsync on")
    func durableTemporaryCluster() async throws {
        try await withCluster(.init()) { cluster throws in
            #expect(try await psql(cluster, "SHOW fsync") == "on")
        }
    }

    @Test("a persistent folder is reused: the second start finds the first run's data")
    func persistentFolderIsReused() async throws {
        let parent = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        // A folder the postgres OS user could not enter: start() must grant it search permission.
        _ = chmod(parent, 0o700)
        let folder = parent + "/project/.notify/pgdata"

        let firstPort = try await withCluster(.init(dataDirectory: folder, durable: false)) { first in
            #expect(!first.isTemporary)
            #expect(try await psql(first, "SHOW fsync") == "on")  // persistent clusters always flush
            _ = try await psql(first, "CREATE TABLE marker (note text); INSERT INTO marker VALUES ('first run')")

            // While it runs, a second start on the same folder is refused with the folder and the pid.
            let error = await #expect(throws: PrivateClusterError.self) {
                try await PrivateCluster.start(.init(dataDirectory: folder), logger: logger)
            }
            #expect(error?.code == .alreadyRunning)
            #expect(error?.message.contains(first.dataDirectory) == true)
            let pid = ClusterDirectory(path: first.dataDirectory).recordedPostmasterPID
            #expect(pid != nil)
            if let pid { #expect(error?.message.contains("pid \(pid)") == true) }
            return first.port
        }
        #expect(!LoopbackPort.isAccepting(firstPort))
        #expect(FileManager.default.fileExists(atPath: folder + "/PG_VERSION"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/postmaster.pid"))

        try await withCluster(.init(dataDirectory: folder)) { second throws in
            #expect(try await psql(second, "SELECT note FROM marker") == "first run")
            // The exit path shuts a persistent cluster down cleanly and keeps its folder.
            second.stopImmediatelyForProcessExit()
            #expect(!LoopbackPort.isAccepting(second.port))
            #expect(!FileManager.default.fileExists(atPath: folder + "/postmaster.pid"))
        }
        #expect(FileManager.default.fileExists(atPath: folder + "/PG_VERSION"))
        let log = try String(contentsOfFile: folder + "/notify-server.log", encoding: .utf8)
        #expect(log.contains("received fast shutdown request"))
    }

    @Test("a persistent folder that is not empty, or holds another version's cluster, is refused")
    func unusablePersistentFolders() async throws {
        let parent = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: parent) }

        let cluttered = parent + "/cluttered"
        try FileManager.default.createDirectory(atPath: cluttered, withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: cluttered + "/notes.txt"))
        let notEmpty = await #expect(throws: PrivateClusterError.self) {
            try await PrivateCluster.start(.init(dataDirectory: cluttered), logger: logger)
        }
        #expect(notEmpty?.code == .dataDirectoryInvalid)
        #expect(notEmpty?.message.contains("no PG_VERSION") == true)
        #expect(FileManager.default.fileExists(atPath: cluttered + "/notes.txt"))

        let old = parent + "/old"
        try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: true)
        try Data("9.4\n".utf8).write(to: URL(fileURLWithPath: old + "/PG_VERSION"))
        let mismatch = await #expect(throws: PrivateClusterError.self) {
            try await PrivateCluster.start(.init(dataDirectory: old), logger: logger)
        }
        #expect(mismatch?.code == .dataDirectoryInvalid)
        #expect(mismatch?.message.contains("PostgreSQL 9.4 cluster") == true)

        try Data("x".utf8).write(to: URL(fileURLWithPath: parent + "/file"))
        let file = await #expect(throws: PrivateClusterError.self) {
            try await PrivateCluster.start(.init(dataDirectory: parent + "/file"), logger: logger)
        }
        #expect(file?.code == .dataDirectoryInvalid)
    }

    @Test("stopImmediatelyForProcessExit() ends the server and removes the temporary folder synchronously")
    func immediateStop() async throws {
        try await withCluster(.init(durable: false)) { cluster in
            let folder = cluster.dataDirectory
            #expect(try await psql(cluster, "SELECT 1") == "1")
            cluster.stopImmediatelyForProcessExit()
            #expect(!LoopbackPort.isAccepting(cluster.port))
            #expect(!FileManager.default.fileExists(atPath: folder))
            try await cluster.stop()  // nothing left to do
        }
    }

    @Test("a server that cannot start reports why, with the server log, and leaves no temporary folder")
    func startFailureCarriesTheServerLog() async throws {
        let error = await #expect(throws: PrivateClusterError.self) {
            try await PrivateCluster.start(
                .init(durable: false, settings: ["shared_buffers": "plenty"]), logger: logger)
        }
        #expect(error?.code == .startFailed)
        #expect(error?.details?.contains("invalid value for parameter \"shared_buffers\"") == true)
        #expect(error?.description.contains("--- last output ---") == true)
        // The message names the temporary folder, which must be gone.
        let message = error?.message ?? ""
        let folder = message.split(separator: " ").first { $0.hasPrefix("/") && $0.contains("notify-pg-") }
        #expect(folder != nil)
        if let folder { #expect(!FileManager.default.fileExists(atPath: String(folder))) }
    }

    @Test("reserved or malformed settings are refused before anything starts")
    func invalidSettings() async throws {
        for settings in [
            ["port": "5432"], ["listen_addresses": "*"], ["unix_socket_directories": "/tmp"], ["bad name": "x"],
            ["work_mem": "1\n2"],
        ] {
            let error = await #expect(throws: PrivateClusterError.self) {
                try await PrivateCluster.start(.init(settings: settings), logger: logger)
            }
            #expect(error?.code == .invalidSetting)
        }
        let text = PrivateCluster.Options.configurationText(settings: [("a", "it's \\ here")], port: 5)
        #expect(text.contains("port = 5\n"))
        #expect(text.contains("a = 'it''s \\\\ here'\n"))
    }

    @Test("locate() explains what to install when no binaries are found")
    func locateReportsMissingBinaries() throws {
        let empty = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let error = #expect(throws: PrivateClusterError.self) {
            try PostgresBinaries.locate(environment: ["PATH": empty + ":/usr/bin:/bin"], searchRoot: empty + "/root")
        }
        #expect(error?.code == .binariesNotFound)
        #expect(error?.code.rawValue == "binaries_not_found")
        #expect(error?.message.contains("PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found") == true)
        #expect(error?.message.contains("apt-get install -y postgresql") == true)
        #expect(error?.message.contains("brew install postgresql@16") == true)
        #expect(error?.message.contains("DATABASE_URL") == true)
    }

    @Test("locate() prefers PATH, then the highest complete version folder")
    func locateOrder() throws {
        let scratch = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let root = scratch + "/postgresql"
        try makeFakeBinaries(in: root + "/9.6/bin")
        try makeFakeBinaries(in: root + "/14/bin")
        try makeFakeBinaries(in: root + "/16/bin", programs: ["initdb", "pg_ctl"])  // incomplete
        try FileManager.default.createDirectory(atPath: root + "/notes", withIntermediateDirectories: true)

        let fromRoot = try PostgresBinaries.locate(environment: ["PATH": "/nonexistent"], searchRoot: root)
        #expect(fromRoot.directory == root + "/14/bin")
        #expect(fromRoot.version == "14")
        #expect(fromRoot.path(of: "psql") == root + "/14/bin/psql")

        try makeFakeBinaries(in: scratch + "/opt/postgresql@17/bin")
        let fromPath = try PostgresBinaries.locate(
            environment: ["PATH": "relative/bin:\(scratch)/opt/postgresql@17/bin:\(root)/14/bin"], searchRoot: root)
        #expect(fromPath.directory == scratch + "/opt/postgresql@17/bin")
        #expect(fromPath.version == "17")

        // Symlinks on PATH (as /usr/local/bin/postgres → /usr/lib/postgresql/15/bin/postgres) resolve
        // to the folder that really holds the programs, next to psql.
        let links = scratch + "/links"
        try FileManager.default.createDirectory(atPath: links, withIntermediateDirectories: true)
        for program in PostgresBinaries.requiredPrograms {
            try FileManager.default.createSymbolicLink(
                atPath: links + "/" + program, withDestinationPath: root + "/14/bin/" + program)
        }
        let viaLinks = try PostgresBinaries.locate(environment: ["PATH": links], searchRoot: scratch + "/none")
        #expect(viaLinks.directory == root + "/14/bin")
        #expect(viaLinks.version == "14")

        #expect(PostgresBinaries.majorVersion(inPath: "/usr/lib/postgresql/15/bin") == "15")
        #expect(PostgresBinaries.majorVersion(inPath: "/usr/local/bin") == nil)
        #expect(["9.6", "16", "14", "10"].sorted(by: PostgresBinaries.isHigherVersion) == ["16", "14", "10", "9.6"])
    }

    @Test("root without an unprivileged user gets a clear error")
    func rootWithoutPostgresUser() throws {
        let error = #expect(throws: PrivateClusterError.self) {
            try ServerAccount.forServer(effectiveUID: 0, userName: "notify-no-such-user", environment: [:])
        }
        #expect(error?.code == .noUnprivilegedUser)
        #expect(error?.message.contains("refuses to run as root") == true)
        #expect(error?.message.contains("`notify-no-such-user`") == true)

        let account = try ServerAccount.forServer(effectiveUID: 0, userName: "postgres", environment: [:])
        #expect(account.isSwitched)
        let (program, arguments) = account.command("/bin/pg_ctl", ["-D", "/tmp/a b"])
        if case .runuser = account.switcher {
            #expect(program.hasSuffix("runuser"))
            #expect(arguments == ["-u", "postgres", "--", "/bin/pg_ctl", "-D", "/tmp/a b"])
        }
        let su = ServerAccount(name: "postgres", uid: 1, gid: 1, switcher: .su("/bin/su"))
        #expect(
            su.command("/bin/pg_ctl", ["it's"]).arguments == [
                "-s", "/bin/sh", "postgres", "-c", "exec /bin/pg_ctl 'it'\\''s'",
            ])
    }

    // MARK: Helpers

    /// Starts a cluster, runs `body`, and stops the cluster whatever happens.
    private func withCluster<T>(
        _ options: PrivateCluster.Options,
        _ body: (PrivateCluster) async throws -> T
    ) async throws -> T {
        let cluster = try await PrivateCluster.start(options, logger: logger)
        do {
            let result = try await body(cluster)
            try await cluster.stop()
            return result
        } catch {
            cluster.stopImmediatelyForProcessExit()
            throw error
        }
    }

    /// The cluster also listens on a socket in its data folder, which only the server's user may
    /// open, and its local URL names that socket the way libpq reads it.
    private func checkUnixSocket(_ cluster: PrivateCluster) async throws {
        let folder = cluster.dataDirectory
        #expect(cluster.socketDirectory == folder)
        let encoded = folder.replacingOccurrences(of: "/", with: "%2F")
        #expect(cluster.localConnectionURL() == "postgres://notify@\(encoded):\(cluster.port)/postgres")
        #expect(cluster.localConnectionURL(database: "a b") == "postgres://notify@\(encoded):\(cluster.port)/a%20b")
        var status = stat()
        #expect(lstat(folder + "/.s.PGSQL.\(cluster.port)", &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFSOCK)
        #expect(status.st_mode & 0o777 == 0o700)
        #expect(try await psql(cluster, "SELECT 1", connection: cluster.localConnectionURL()) == "1")
        #expect(
            try await psql(cluster, "SHOW unix_socket_directories", connection: cluster.localConnectionURL()) == folder)
    }

    @Test("a data folder whose path is too long for a socket's gets none, and the local URL is the TCP one")
    func socketFolderLength() {
        let short = "/tmp/notify-pg-abcdef"
        let long = "/tmp/" + String(repeating: "x", count: PrivateCluster.maximumSocketDirectoryLength)
        #expect(PrivateCluster.socketDirectory(for: short) == short)
        #expect(PrivateCluster.socketDirectory(for: long) == nil)
        // A socket path (folder, `/.s.PGSQL.`, five digits) fits the 107 bytes of `sun_path` less its NUL.
        let longest = String(repeating: "x", count: PrivateCluster.maximumSocketDirectoryLength)
        #expect((longest + "/.s.PGSQL.65535").utf8.count <= 107)
        let settings = PrivateCluster.Options.withSocket([("work_mem", "8MB")], in: nil)
        #expect(settings.map(\.name) == ["work_mem", "unix_socket_directories"])
        #expect(settings.last?.value == "")
        let withFolder = PrivateCluster.Options.withSocket([("work_mem", "8MB")], in: short)
        #expect(withFolder.map(\.value) == ["8MB", short, "0700"])
    }

    /// Runs one statement through the located `psql` and returns its unaligned, tuples-only output,
    /// over TCP unless a `connection` URL is given.
    private func psql(_ cluster: PrivateCluster, _ sql: String, connection: String? = nil) async throws -> String {
        let target =
            connection.map { ["-d", $0] }
            ?? ["-h", cluster.host, "-p", "\(cluster.port)", "-U", cluster.username, "-d", "postgres"]
        let child = ChildProcess(
            executable: cluster.binaries.path(of: "psql"),
            arguments: ["-X"] + target + ["-v", "ON_ERROR_STOP=1", "-Atc", sql],
            environment: ["PATH": "/usr/bin:/bin", "PGCONNECT_TIMEOUT": "10", "LC_ALL": "C"],
            timeout: .seconds(60)
        )
        let outcome = try await child.run()
        #expect(outcome.succeeded, "psql \(outcome.endedHow): \(outcome.output)")
        return outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func makeScratchFolder() throws -> String {
        let path = "/tmp/notify-pc-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func makeFakeBinaries(in directory: String, programs: [String] = PostgresBinaries.requiredPrograms) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for program in programs {
            let path = directory + "/" + program
            try Data("#!/bin/sh\nexit 0\n".utf8).write(to: URL(fileURLWithPath: path))
            _ = chmod(path, 0o755)
        }
    }
}
