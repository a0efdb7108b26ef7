/// An error of the runtime, with a stable code and a message that says what to fix.
///
/// Messages never contain secrets (database passwords, API keys) or personal data.
public struct RuntimeError: Error, CustomStringConvertible, Sendable, Hashable {
    /// Stable codes, safe to match on.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let invalidDatabaseURL = Code(rawValue: "invalid_database_url")
        public static let unknownFunction = Code(rawValue: "unknown_function")
        public static let invalidInput = Code(rawValue: "invalid_input")
        public static let invalidConfiguration = Code(rawValue: "invalid_configuration")
        public static let migrationFailed = Code(rawValue: "migration_failed")
        public static let schemaTooNew = Code(rawValue: "schema_too_new")
        public static let databaseUnavailable = Code(rawValue: "database_unavailable")
        public static let notFound = Code(rawValue: "not_found")
        public static let timeout = Code(rawValue: "timeout")
        public static let shuttingDown = Code(rawValue: "shutting_down")
        /// A process asked to stop left its services unfinished after its deadline or a second signal.
        public static let shutdownIncomplete = Code(rawValue: "shutdown_incomplete")
        public static let internalInconsistency = Code(rawValue: "internal_inconsistency")
    }

    public let code: Code
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
