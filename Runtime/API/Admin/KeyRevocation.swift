import Foundation

/// What revoking an API key found (``TenantAdmin/revoke(key:)``).
public enum KeyRevocation: Sendable, Hashable {
    /// The key was active and is revoked now.
    case revoked
    /// The key had been revoked already, at `since`; nothing changed.
    case alreadyRevoked(since: Date)
    /// No key has that id.
    case unknown
}
