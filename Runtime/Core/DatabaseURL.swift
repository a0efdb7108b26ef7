import Foundation
import PostgresNIO

/// A parsed `postgres://user:password@host:port/database?sslmode=…` URL.
///
/// Its description never shows the password.
public struct DatabaseURL: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let username: String
    let password: String?
    public let database: String
    public let requireTLS: Bool
    /// The unix socket folder when the host is a path (`postgres://user@%2Fvar%2Frun%2Fpostgresql/db`).
    public let unixSocketPath: String?
    /// The URL as given, password included, for handing to child processes. Never log it.
    public let secretURLString: String

    /// Parses a URL.
    /// - Throws: ``RuntimeError`` with code `invalid_database_url` saying what is wrong.
    public init(_ string: String) throws {
        guard let components = URLComponents(string: string),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else {
            throw RuntimeError(
                .invalidDatabaseURL,
                "DATABASE_URL must look like postgres://user:password@host:5432/database (got a value that is not such a URL)"
            )
        }
        guard let user = components.user, !user.isEmpty else {
            throw RuntimeError(
                .invalidDatabaseURL, "DATABASE_URL has no user name: write postgres://USER@host/database")
        }
        self.secretURLString = string
        let host = components.host ?? "localhost"
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password?.removingPercentEncoding ?? components.password
        self.port = components.port ?? 5432
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? self.username : path
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        self.requireTLS = ["require", "verify-full", "verify-ca"].contains(query["sslmode"] ?? "")
        let decodedHost = host.removingPercentEncoding ?? host
        if decodedHost.hasPrefix("/") {
            self.unixSocketPath = decodedHost + "/.s.PGSQL.\(self.port)"
            self.host = decodedHost
        } else {
            self.unixSocketPath = nil
            self.host = decodedHost
        }
    }

    /// The same server with another database.
    public func with(database: String) throws -> DatabaseURL {
        guard var components = URLComponents(string: secretURLString) else { return self }
        components.path = "/" + database
        return try DatabaseURL(components.string ?? secretURLString)
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
    }

    /// A postgres-nio client configuration for this URL.
    public func clientConfiguration(applicationName: String = "notify") -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let unixSocketPath {
            configuration = .init(
                unixSocketPath: unixSocketPath, username: username, password: password, database: database)
        } else {
            configuration = .init(
                host: host, port: port, username: username, password: password, database: database,
                tls: requireTLS ? .require(.makeClientConfiguration()) : .disable)
        }
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        if let size = ProcessInfo.processInfo.environment["NOTIFY_POOL_SIZE"].flatMap(Int.init), size > 0 {
            configuration.options.maximumConnections = size
        }
        return configuration
    }

    /// A single-connection configuration, for the dedicated LISTEN, claim and leader connections.
    public func connectionConfiguration(applicationName: String = "notify") -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let unixSocketPath {
            configuration = .init(
                unixSocketPath: unixSocketPath, username: username, password: password, database: database)
        } else {
            configuration = .init(
                host: host, port: port, username: username, password: password, database: database,
                tls: requireTLS ? .require(try! .init(configuration: .makeClientConfiguration())) : .disable)
        }
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }
}
