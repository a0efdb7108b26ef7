import Foundation

/// A failure to locate, initialise, start or stop a private PostgreSQL cluster.
///
/// ``message`` is one or two sentences that say what went wrong and what to do about it. When a
/// command or the server itself explained the failure, the last lines of what it wrote are kept
/// in ``details`` and appended to ``description``, so the person reading the error sees why.
public struct PrivateClusterError: Error, CustomStringConvertible, Sendable {
    /// A stable, machine-readable name for the kind of failure.
    ///
    /// The raw values are part of the contract: scripts and tests may match on them.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// No directory holding `initdb`, `pg_ctl` and `postgres` was found.
        case binariesNotFound = "binaries_not_found"
        /// Running as root, but there is no unprivileged `postgres` OS user to run the server as.
        case noUnprivilegedUser = "no_unprivileged_user"
        /// The data folder could not be created, owned or reached by the server's OS user.
        case dataDirectoryFailed = "data_directory_failed"
        /// The data folder exists but does not hold a cluster these binaries can use.
        case dataDirectoryInvalid = "data_directory_invalid"
        /// A caller-supplied server setting has an invalid name or value, or is reserved.
        case invalidSetting = "invalid_setting"
        /// `initdb` failed.
        case initdbFailed = "initdb_failed"
        /// The server did not start.
        case startFailed = "start_failed"
        /// A server is already running on the data folder.
        case alreadyRunning = "already_running"
        /// The server did not stop cleanly.
        case stopFailed = "stop_failed"
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong and what to do about it, in plain sentences.
    public let message: String
    /// The last lines written by the failing command or by the server log, if any.
    public let details: String?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: What went wrong and what to fix.
    ///   - details: The tail of the relevant command output or server log, if any.
    public init(_ code: Code, _ message: String, details: String? = nil) {
        self.code = code
        self.message = message
        let trimmed = details?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.details = (trimmed?.isEmpty ?? true) ? nil : trimmed
    }

    /// The message, followed by the captured output tail when there is one.
    public var description: String {
        guard let details else { return "\(message) [\(code.rawValue)]" }
        return "\(message) [\(code.rawValue)]\n--- last output ---\n\(details)"
    }
}
