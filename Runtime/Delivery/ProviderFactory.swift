import Foundation
import Logging
import NotifyProviders

/// Builds a provider client from an account's decrypted configuration.
///
/// The engine's factory knows every provider kind; tests can supply their own. A factory never
/// logs or keeps the configuration beyond the client it builds.
public protocol ProviderFactory: Sendable {
    /// Builds the client for `kind` from the account's configuration JSON.
    func makeProvider(
        accountID: String, kind: ProviderKind, configuration: Data, logger: Logger
    ) async throws -> any MessageProvider
}
