import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The OS account that runs `initdb`, `pg_ctl` and `postgres`, and how to switch to it.
///
/// PostgreSQL refuses to run as root. A non-root process runs the programs as itself. A root
/// process runs them as the unprivileged user `postgres` (which Debian's package creates), through
/// `runuser -u postgres -- …`, or `su -s /bin/sh postgres -c '…'` where there is no `runuser`.
struct ServerAccount: Sendable {
    /// How commands are switched to the account.
    enum Switch: Sendable, Equatable {
        /// The current user runs the programs itself.
        case none
        /// `runuser -u NAME -- program args…`, at this path.
        case runuser(String)
        /// `su -s /bin/sh NAME -c 'exec program args…'`, at this path.
        case su(String)
    }

    /// The name of the unprivileged user a root process switches to.
    static let unprivilegedUserName = "postgres"

    /// The account's login name.
    let name: String
    /// The account's user id.
    let uid: uid_t
    /// The account's primary group id.
    let gid: gid_t
    /// How commands are switched to the account.
    let switcher: Switch

    /// Whether commands run as another user than the current process.
    var isSwitched: Bool { switcher != .none }

    /// The account for the current process: itself, or `postgres` when running as root.
    static func forServer(environment: [String: String]) throws -> ServerAccount {
        try forServer(effectiveUID: geteuid(), userName: unprivilegedUserName, environment: environment)
    }

    /// ``forServer(environment:)`` with the effective user id and the unprivileged name injectable, for tests.
    static func forServer(effectiveUID: uid_t, userName: String, environment: [String: String]) throws -> ServerAccount
    {
        guard effectiveUID == 0 else {
            let name = lookUp(uid: effectiveUID)?.name ?? environment["USER"] ?? "uid \(effectiveUID)"
            return ServerAccount(name: name, uid: effectiveUID, gid: getegid(), switcher: .none)
        }
        guard let entry = lookUp(name: userName) else {
            throw PrivateClusterError(
                .noUnprivilegedUser,
                "PostgreSQL refuses to run as root and there is no unprivileged OS user `\(userName)` to run it as: "
                    + "create one (`apt-get install -y postgresql` does, or `useradd --system --user-group "
                    + "--home-dir /var/lib/postgresql --shell /bin/sh \(userName)`), or run notify as a non-root user."
            )
        }
        if let runuser = findExecutable(
            "runuser", in: ["/usr/sbin", "/sbin", "/usr/bin", "/bin"], environment: environment)
        {
            return ServerAccount(name: entry.name, uid: entry.uid, gid: entry.gid, switcher: .runuser(runuser))
        }
        if let su = findExecutable("su", in: ["/bin", "/usr/bin"], environment: environment) {
            return ServerAccount(name: entry.name, uid: entry.uid, gid: entry.gid, switcher: .su(su))
        }
        throw PrivateClusterError(
            .noUnprivilegedUser,
            "PostgreSQL refuses to run as root and neither `runuser` nor `su` was found to switch to the OS user "
                + "`\(userName)`: install util-linux (`apt-get install -y util-linux`), or run notify as a non-root user."
        )
    }

    /// The program and arguments that run `executable arguments…` as this account.
    func command(_ executable: String, _ arguments: [String]) -> (executable: String, arguments: [String]) {
        switch switcher {
        case .none:
            return (executable, arguments)
        case .runuser(let runuser):
            return (runuser, ["-u", name, "--", executable] + arguments)
        case .su(let su):
            let line = "exec " + ([executable] + arguments).map(ChildProcess.shellQuoted).joined(separator: " ")
            return (su, ["-s", "/bin/sh", name, "-c", line])
        }
    }

    /// A child process that runs `executable arguments…` as this account.
    func childProcess(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String],
        timeout: Duration
    ) -> ChildProcess {
        let (program, words) = command(executable, arguments)
        return ChildProcess(executable: program, arguments: words, environment: environment, timeout: timeout)
    }

    /// The environment for the server programs: the caller's, less libpq/server variables that could
    /// redirect them (`PGDATA`, `PGPORT`, …), with the C locale so their messages can be matched.
    static func childEnvironment(from environment: [String: String]) -> [String: String] {
        var result = environment.filter { key, _ in
            !key.hasPrefix("PG") && !key.hasPrefix("LC_") && key != "LANG" && key != "LANGUAGE"
        }
        result["LC_ALL"] = "C"
        if result["PATH"] == nil { result["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" }
        return result
    }

    /// A user database entry.
    struct Entry: Sendable {
        let name: String
        let uid: uid_t
        let gid: gid_t
    }

    /// Looks a user up by name with the re-entrant `getpwnam_r`.
    static func lookUp(name: String) -> Entry? {
        withPasswordEntry { record, buffer, size, result in getpwnam_r(name, record, buffer, size, result) }
    }

    /// Looks a user up by id with the re-entrant `getpwuid_r`.
    static func lookUp(uid: uid_t) -> Entry? {
        withPasswordEntry { record, buffer, size, result in getpwuid_r(uid, record, buffer, size, result) }
    }

    private static func withPasswordEntry(
        _ call: (
            UnsafeMutablePointer<passwd>, UnsafeMutablePointer<CChar>, Int,
            UnsafeMutablePointer<UnsafeMutablePointer<passwd>?>
        ) -> Int32
    ) -> Entry? {
        var size = 16 * 1024
        while size <= 1 << 20 {
            var record = passwd()
            var result: UnsafeMutablePointer<passwd>?
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            let status = call(&record, buffer, size, &result)
            if status == ERANGE {
                size *= 4
                continue
            }
            guard status == 0, let found = result, let name = found.pointee.pw_name else { return nil }
            return Entry(name: String(cString: name), uid: found.pointee.pw_uid, gid: found.pointee.pw_gid)
        }
        return nil
    }

    /// The first executable `name` in the given directories or on `PATH`.
    static func findExecutable(_ name: String, in directories: [String], environment: [String: String]) -> String? {
        let path = (environment["PATH"] ?? "").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        for directory in directories + path {
            let candidate = (directory as NSString).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
