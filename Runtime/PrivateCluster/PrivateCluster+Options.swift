import Foundation

extension PrivateCluster {
    /// How to start a private cluster.
    public struct Options: Sendable {
        /// The persistent data folder (`PGDATA`), created if missing and reused if it already holds a
        /// cluster; `nil` makes a new temporary folder that ``PrivateCluster/stop()`` removes.
        public var dataDirectory: String?

        /// Whether the server flushes writes to disk (`fsync`).
        ///
        /// Only temporary clusters honour `false` (`fsync = off`, and `initdb --no-sync`): a
        /// persistent cluster always runs with `fsync = on`, so a crash cannot corrupt dev data.
        /// `synchronous_commit` is left at its default (`on`) either way.
        public var durable: Bool

        /// Extra server settings (`name: value`), written after notify's own so they win. `port` and
        /// `listen_addresses` are reserved: the cluster always listens on 127.0.0.1 at a port it picks.
        public var settings: [String: String]

        /// The loopback port to listen on; `nil` picks a free one. A fixed port lets a restarted
        /// cluster keep its address (clients reconnect to the same URL).
        public var port: Int?

        /// Creates options.
        ///
        /// - Parameters:
        ///   - dataDirectory: The persistent data folder, or `nil` for a temporary one.
        ///   - durable: Whether a temporary cluster keeps `fsync` on.
        ///   - settings: Extra server settings.
        public init(
            dataDirectory: String? = nil, durable: Bool = true, settings: [String: String] = [:], port: Int? = nil
        ) {
            self.dataDirectory = dataDirectory
            self.port = port
            self.durable = durable
            self.settings = settings
        }
    }
}

extension PrivateCluster.Options {
    /// Settings the caller may not override.
    static let reservedSettings: Set<String> = [
        "port", "listen_addresses", "unix_socket_directories", "unix_socket_permissions",
    ]

    /// The settings to run with, less the port and the socket (see ``withSocket(_:in:)``): notify's
    /// defaults, then the caller's.
    ///
    /// - Throws: `invalid_setting` for a reserved name, a malformed name, or a value that cannot be
    ///   written to a configuration file.
    func serverSettings() throws -> [(name: String, value: String)] {
        let fsync = dataDirectory != nil || durable
        var result: [(name: String, value: String)] = [
            ("listen_addresses", "127.0.0.1"),
            ("max_connections", "300"),
            ("shared_buffers", "256MB"),
            ("fsync", fsync ? "on" : "off"),
            // A failed statement's text can carry a caller's literal values (a passcode in
            // `notify.send`'s data, an address); the server log keeps the error, not the text.
            ("log_min_error_statement", "panic"),
        ]
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
            let lowered = name.lowercased()
            guard !Self.reservedSettings.contains(lowered) else {
                throw PrivateClusterError(
                    .invalidSetting,
                    "The setting `\(name)` is managed by notify (the cluster listens on 127.0.0.1 at a port it picks, "
                        + "and on a unix socket in its data folder): "
                        + "remove it from the settings."
                )
            }
            guard Self.isValidName(name) else {
                throw PrivateClusterError(
                    .invalidSetting,
                    "`\(name)` is not a valid PostgreSQL setting name: use letters, digits, `_` and `.` only."
                )
            }
            guard !value.contains(where: { $0.isNewline || $0 == "\0" }) else {
                throw PrivateClusterError(
                    .invalidSetting,
                    "The value of the setting `\(name)` contains a line break or NUL: give it on one line."
                )
            }
            result.removeAll { $0.name == lowered }
            result.append((lowered, value))
        }
        return result
    }

    /// `settings` with the server's unix socket in `folder` (readable by the server's user only),
    /// or with no socket when `folder` is nil. ``serverSettings()`` leaves the socket out, and its
    /// names are reserved, so `settings` holds neither.
    static func withSocket(
        _ settings: [(name: String, value: String)], in folder: String?
    ) -> [(name: String, value: String)] {
        var result = settings
        result.append(("unix_socket_directories", folder ?? ""))
        if folder != nil { result.append(("unix_socket_permissions", "0700")) }
        return result
    }

    /// The text of the settings file for a server on `port`.
    static func configurationText(settings: [(name: String, value: String)], port: Int) -> String {
        var lines = [
            "# Written by notify at every start of this cluster; edits here are overwritten.",
            "# Use ALTER SYSTEM (postgresql.auto.conf) for lasting changes of your own.",
            "port = \(port)",
        ]
        for (name, value) in settings {
            lines.append("\(name) = \(quoted(value))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A setting value as a single-quoted configuration-file string.
    static func quoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// Whether a setting name is a plain or dotted (extension) identifier.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first == "_" || CharacterSet.letters.contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_" || scalar == ".")
        }
    }
}
