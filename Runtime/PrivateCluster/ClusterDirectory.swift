import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A cluster's data folder (`PGDATA`), its well-known files, and the file-system chores around it:
/// creating it, handing it to the server's OS account, making sure that account can reach it.
struct ClusterDirectory: Sendable {
    /// The file notify writes the server settings to at every start.
    static let configurationFileName = "notify-cluster.conf"
    /// The server log `pg_ctl -l` appends to.
    static let logFileName = "notify-server.log"
    /// The line that makes `postgresql.conf` read ``configurationFileName``.
    static let includeLine = "include = '\(configurationFileName)'"
    /// A log larger than this is moved aside to `notify-server.log.old` before a start.
    static let logRotationSize: UInt64 = 16 << 20

    /// The absolute path of the data folder.
    let path: String

    /// `PG_VERSION`: present once `initdb` has run.
    var versionFile: String { file("PG_VERSION") }
    /// `postmaster.pid`: present while a server runs on the folder.
    var pidFile: String { file("postmaster.pid") }
    /// The server log.
    var logFile: String { file(Self.logFileName) }
    /// The settings file notify writes.
    var configurationFile: String { file(Self.configurationFileName) }
    /// The main configuration file written by `initdb`.
    var mainConfigurationFile: String { file("postgresql.conf") }

    /// `path/name`.
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    // MARK: Creating

    /// Creates a fresh, empty, private folder under the temporary directory, owned by `account`.
    ///
    /// A root process uses `/tmp`, which every user can traverse, rather than `TMPDIR`, which may
    /// be under `/root`.
    static func makeTemporary(for account: ServerAccount, logger: Logger) throws -> ClusterDirectory {
        let base: String
        if account.isSwitched || geteuid() == 0 {
            base = "/tmp"
        } else {
            base = FileManager.default.temporaryDirectory.path
        }
        var template = Array((base as NSString).appendingPathComponent("notify-pg-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in mkdtemp(buffer.baseAddress!) }
        guard created != nil else {
            throw PrivateClusterError(
                .dataDirectoryFailed,
                "Could not create a temporary folder under \(base) (\(lastError())): check that it exists and is writable."
            )
        }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let directory = ClusterDirectory(path: path)
        do {
            try directory.handOver(to: account, logger: logger)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        return directory
    }

    /// Opens (creating it if needed, mode 0700) a persistent data folder owned by `account`.
    static func openPersistent(_ path: String, for account: ServerAccount, logger: Logger) throws -> ClusterDirectory {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: absolute, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw PrivateClusterError(
                    .dataDirectoryInvalid,
                    "The data folder \(absolute) is a file, not a folder: choose another path or remove the file."
                )
            }
        } else {
            var reason: String?
            do {
                let parent = (absolute as NSString).deletingLastPathComponent
                try manager.createDirectory(atPath: parent, withIntermediateDirectories: true)
                if mkdir(absolute, 0o700) != 0 && errno != EEXIST { reason = lastError() }
            } catch {
                reason = error.localizedDescription
            }
            if let reason {
                throw PrivateClusterError(
                    .dataDirectoryFailed,
                    "Could not create the data folder \(absolute) (\(reason)): check that its parent is writable."
                )
            }
        }
        let resolved = URL(fileURLWithPath: absolute).resolvingSymlinksInPath().path
        let directory = ClusterDirectory(path: resolved)
        try directory.handOver(to: account, logger: logger)
        return directory
    }

    /// Makes `account` the owner of the folder (recursively, when it owns it not already) and makes
    /// sure `account` can traverse every folder above it.
    func handOver(to account: ServerAccount, logger: Logger) throws {
        guard account.isSwitched else { return }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw PrivateClusterError(.dataDirectoryFailed, "Could not inspect \(path) (\(Self.lastError())).")
        }
        if info.st_uid != account.uid {
            if !isEmpty {
                logger.notice(
                    "handing the data folder over to the PostgreSQL OS user",
                    metadata: ["folder": "\(path)", "user": "\(account.name)"]
                )
            }
            try Self.changeOwner(of: path, to: account)
        }
        try Self.ensureTraversable(ancestorsOf: path, by: account, logger: logger)
    }

    /// Changes the owner of `path` and everything below it to `account`.
    static func changeOwner(of path: String, to account: ServerAccount) throws {
        var paths = [path]
        if let enumerator = FileManager.default.enumerator(atPath: path) {
            for case let relative as String in enumerator {
                paths.append((path as NSString).appendingPathComponent(relative))
            }
        }
        for item in paths where lchown(item, account.uid, account.gid) != 0 {
            throw PrivateClusterError(
                .dataDirectoryFailed,
                "Could not give \(item) to the OS user `\(account.name)` (\(lastError())): "
                    + "check that the folder is on a file system that allows chown."
            )
        }
    }

    /// Grants `account` search (`x`) permission on each folder above `path` that it cannot traverse.
    ///
    /// Only the one permission bit of the class `account` falls in (owner, group or other) is added,
    /// never read permission, and each change is logged.
    static func ensureTraversable(ancestorsOf path: String, by account: ServerAccount, logger: Logger) throws {
        var ancestors: [String] = []
        var current = (path as NSString).deletingLastPathComponent
        while !current.isEmpty {
            ancestors.append(current)
            if current == "/" { break }
            current = (current as NSString).deletingLastPathComponent
        }
        for folder in ancestors.reversed() {
            var info = stat()
            guard stat(folder, &info) == 0 else {
                throw PrivateClusterError(.dataDirectoryFailed, "Could not inspect \(folder) (\(lastError())).")
            }
            let needed: mode_t
            if info.st_uid == account.uid {
                needed = S_IXUSR
            } else if info.st_gid == account.gid {
                needed = S_IXGRP
            } else {
                needed = S_IXOTH
            }
            if info.st_mode & needed != 0 { continue }
            guard chmod(folder, (info.st_mode & 0o7777) | needed) == 0 else {
                throw PrivateClusterError(
                    .dataDirectoryFailed,
                    "The OS user `\(account.name)` cannot reach \(path) because it may not enter \(folder), "
                        + "and granting it search permission failed (\(lastError())): run `chmod o+x \(folder)` "
                        + "or choose a data folder elsewhere."
                )
            }
            logger.notice(
                "granted the PostgreSQL OS user search permission on a folder above the data folder",
                metadata: ["folder": "\(folder)", "user": "\(account.name)"]
            )
        }
    }

    // MARK: Inspecting

    /// Whether the folder holds an initialised cluster.
    var holdsCluster: Bool { FileManager.default.fileExists(atPath: versionFile) }

    /// The major version in `PG_VERSION`, if any.
    var clusterVersion: String? {
        (try? String(contentsOfFile: versionFile, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether the folder has no entries at all.
    var isEmpty: Bool { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).isEmpty }

    /// The pid in `postmaster.pid`, whether or not that process still runs.
    var recordedPostmasterPID: pid_t? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let line = text.split(separator: "\n", omittingEmptySubsequences: false).first,
            let pid = pid_t(line.trimmingCharacters(in: .whitespaces)), pid > 0
        else { return nil }
        return pid
    }

    /// What `postmaster.pid` says: the postmaster's pid, its port, and whether it accepts connections.
    ///
    /// The file's lines are: pid, data folder, start time, port, socket folder, listen address,
    /// shared memory key, and (PostgreSQL 10 and later) a status such as `starting` or `ready`.
    var postmasterStatus: (pid: pid_t, port: Int, isReady: Bool)? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard lines.count >= 8, let pid = pid_t(lines[0]), pid > 0, let port = Int(lines[3]) else { return nil }
        return (pid, port, lines[7] == "ready")
    }

    /// The pid of a PostgreSQL server that is running on this folder right now, if any.
    var runningPostmasterPID: pid_t? {
        guard let pid = recordedPostmasterPID, Self.isAlive(pid), Self.looksLikePostgres(pid) else { return nil }
        return pid
    }

    /// Whether a process with this pid exists and is not a zombie.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let closing = stat.lastIndex(of: ")")
        {
            let state = stat[stat.index(after: closing)...].trimmingCharacters(in: .whitespaces).prefix(1)
            return state != "Z" && state != "X"
        }
        return true
    }

    /// Whether the process looks like a PostgreSQL server; true where `/proc` cannot tell.
    static func looksLikePostgres(_ pid: pid_t) -> Bool {
        guard FileManager.default.fileExists(atPath: "/proc/self/comm") else { return true }
        guard let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { return false }
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.hasPrefix("postgres") || trimmed.hasPrefix("postmaster")
    }

    // MARK: Configuration and log

    /// Writes ``configurationFile`` (owned by `account`, mode 0600) and makes sure `postgresql.conf`
    /// includes it.
    func writeConfiguration(_ text: String, owner account: ServerAccount) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: configurationFile), options: .atomic)
            _ = chmod(configurationFile, 0o600)
            if account.isSwitched { _ = lchown(configurationFile, account.uid, account.gid) }
            let main = try String(contentsOfFile: mainConfigurationFile, encoding: .utf8)
            let included = main.split(separator: "\n").contains {
                $0.trimmingCharacters(in: .whitespaces) == Self.includeLine
            }
            if !included {
                let addition =
                    (main.hasSuffix("\n") ? "" : "\n")
                    + "\n# Added by notify: the settings notify manages, rewritten at every start.\n\(Self.includeLine)\n"
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: mainConfigurationFile))
                defer { try? handle.close() }
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(addition.utf8))
            }
        } catch let error as PrivateClusterError {
            throw error
        } catch {
            throw PrivateClusterError(
                .startFailed,
                "Could not write the server settings to \(configurationFile) (\(error)): check that the folder is writable."
            )
        }
    }

    /// The current size of the server log, 0 when there is none.
    var logSize: UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: logFile))?[.size] as? NSNumber)?.uint64Value ?? 0
    }

    /// Moves a large server log aside so a long-lived dev folder does not grow without bound.
    func rotateLogIfLarge() {
        guard logSize > Self.logRotationSize else { return }
        let old = logFile + ".old"
        try? FileManager.default.removeItem(atPath: old)
        _ = rename(logFile, old)
    }

    /// What the server log holds past `offset`, at most its last 64 KiB.
    func log(from offset: UInt64) -> String {
        guard let handle = FileHandle(forReadingAtPath: logFile) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = max(offset, size > 65536 ? size - 65536 : 0)
        guard start < size, (try? handle.seek(toOffset: start)) != nil else { return "" }
        let data = (try? handle.readToEnd()) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Removes the folder and everything in it.
    func remove() throws {
        try FileManager.default.removeItem(atPath: path)
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
