import Foundation

/// A directory holding the PostgreSQL server programs `initdb`, `pg_ctl` and `postgres`.
public struct PostgresBinaries: Sendable, Hashable {
    /// The programs a directory must hold to be chosen.
    static let requiredPrograms = ["initdb", "pg_ctl", "postgres"]

    /// Where the Debian/Ubuntu packages install one folder per major version (`15/bin`, `16/bin`, …).
    static let defaultSearchRoot = "/usr/lib/postgresql"

    /// The directory holding the programs, as an absolute path.
    public let directory: String

    /// The major version as read from the directory's path (`"15"` for `/usr/lib/postgresql/15/bin`,
    /// `"16"` for `…/postgresql@16/bin`), or `nil` when the path does not tell.
    public let version: String?

    /// Creates a value for a known directory; ``locate(environment:)`` is the usual way to get one.
    ///
    /// - Parameters:
    ///   - directory: The directory holding `initdb`, `pg_ctl` and `postgres`.
    ///   - version: The major version, if known.
    public init(directory: String, version: String?) {
        self.directory = directory
        self.version = version
    }

    /// The full path of a program in ``directory``, e.g. `path(of: "psql")`.
    ///
    /// - Parameter program: The program's file name.
    /// - Returns: `directory/program`; the file is not checked.
    public func path(of program: String) -> String {
        (directory as NSString).appendingPathComponent(program)
    }

    /// Finds the PostgreSQL server programs.
    ///
    /// The first directory on `PATH` that holds all of `initdb`, `pg_ctl` and `postgres` wins (when
    /// they are symlinks into one real folder, that folder is returned); otherwise the highest
    /// version among `/usr/lib/postgresql/*/bin`.
    ///
    /// - Parameter environment: The environment whose `PATH` is searched.
    /// - Returns: The directory found.
    /// - Throws: ``PrivateClusterError`` with code `binaries_not_found`, whose message says what to install.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> PostgresBinaries {
        try locate(environment: environment, searchRoot: defaultSearchRoot)
    }

    /// ``locate(environment:)`` with an injectable versioned search root, for tests.
    static func locate(environment: [String: String], searchRoot: String) throws -> PostgresBinaries {
        for entry in (environment["PATH"] ?? "").split(separator: ":") where entry.hasPrefix("/") {
            let directory = String(entry)
            if holdsServerPrograms(directory) {
                let real = realDirectory(of: directory)
                return PostgresBinaries(directory: real, version: majorVersion(inPath: real))
            }
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: searchRoot)) ?? []
        for version in versions.filter(isVersion).sorted(by: isHigherVersion) {
            let directory = ((searchRoot as NSString).appendingPathComponent(version) as NSString)
                .appendingPathComponent("bin")
            if holdsServerPrograms(directory) {
                return PostgresBinaries(directory: directory, version: version)
            }
        }
        throw PrivateClusterError(
            .binariesNotFound,
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or in \(searchRoot)/*/bin: "
                + "install them with `apt-get install -y postgresql` (Debian/Ubuntu) or "
                + "`brew install postgresql@16` and put $(brew --prefix postgresql@16)/bin on PATH (macOS), "
                + "or set DATABASE_URL to an existing server."
        )
    }

    /// Where the programs in `directory` really live, when they are symlinks (`/usr/local/bin/postgres`
    /// → `/usr/lib/postgresql/15/bin/postgres`) into a folder that holds them all, next to `psql` and
    /// the other client programs; otherwise `directory` itself.
    static func realDirectory(of directory: String) -> String {
        let program = (directory as NSString).appendingPathComponent("postgres")
        let resolved = URL(fileURLWithPath: program).resolvingSymlinksInPath().path
        let real = (resolved as NSString).deletingLastPathComponent
        return real != directory && holdsServerPrograms(real) ? real : directory
    }

    /// Whether `directory` holds executable `initdb`, `pg_ctl` and `postgres` files.
    static func holdsServerPrograms(_ directory: String) -> Bool {
        requiredPrograms.allSatisfy { program in
            let path = (directory as NSString).appendingPathComponent(program)
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && FileManager.default.isExecutableFile(atPath: path)
        }
    }

    /// The major version named in a path such as `/usr/lib/postgresql/15/bin` or `/opt/homebrew/opt/postgresql@16/bin`.
    static func majorVersion(inPath path: String) -> String? {
        let components = path.split(separator: "/").map(String.init)
        for (index, component) in components.enumerated() {
            if component == "postgresql", index + 1 < components.count, isVersion(components[index + 1]) {
                return components[index + 1]
            }
            if component.hasPrefix("postgresql@") {
                let version = String(component.dropFirst("postgresql@".count))
                if isVersion(version) { return version }
            }
        }
        return nil
    }

    /// Whether a folder name looks like a version: digits separated by dots (`15`, `9.6`).
    static func isVersion(_ name: String) -> Bool {
        !name.isEmpty
            && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
                !part.isEmpty && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber)
            }
    }

    /// Orders version names (`9.6`, `15`, `16`) highest first, comparing their numbers.
    static func isHigherVersion(_ left: String, _ right: String) -> Bool {
        let lhs = left.split(separator: ".").map { Int($0) ?? 0 }
        let rhs = right.split(separator: ".").map { Int($0) ?? 0 }
        for index in 0..<max(lhs.count, rhs.count) {
            let leftPart = index < lhs.count ? lhs[index] : 0
            let rightPart = index < rhs.count ? rhs[index] : 0
            if leftPart != rightPart { return leftPart > rightPart }
        }
        return left > right
    }
}
