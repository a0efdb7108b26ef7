/// An error of the provider sandbox, with a stable code.
public struct SandboxError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, stable across versions.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let value: String
        /// The configuration (or a fault file) is invalid.
        public static let invalidConfiguration = Code(value: "invalid_configuration")
        /// Fault settings name an unknown key, a value out of range or an unknown mode.
        public static let invalidFaultSettings = Code(value: "invalid_fault_settings")
        /// A key, certificate or credential could not be generated.
        public static let credentials = Code(value: "credentials")
        /// The sandbox stopped before its listeners were up.
        public static let notRunning = Code(value: "not_running")

        public var description: String { value }
    }

    /// The stable code.
    public let code: Code
    /// A sentence saying what to fix; never carries secrets.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
