import Foundation
import NotifyModel
import NotifyProviders

/// A delivery claimed for sending: its rendered content and the recipient's decrypted contact.
public struct PendingDelivery: Sendable {
    /// Where the message goes.
    public enum Contact: Sendable, Hashable {
        case email(String)
        case phone(String)
        /// The user's valid devices: (device id, platform, token).
        case devices([PushDevice])
        /// The tenant's endpoint (webhook channel): the account carries it.
        case endpoint
        /// The user has no contact point for the channel any more.
        case none
    }

    /// One push device.
    public struct PushDevice: Sendable, Hashable {
        public var id: Int64
        public var platform: PushPlatform
        public var token: String
        /// When the app last registered the token.
        public var registeredAt: Date
    }

    public var id: Int64
    public var userID: Int64
    public var externalID: String
    public var content: RenderedContent
    /// Attempts so far, including this one.
    public var attempts: Int
    /// True when an earlier attempt claimed it and never recorded an outcome (a crash, a timeout):
    /// the provider may have accepted it.
    public var wasInFlight: Bool
    /// The account of the earlier in-flight attempt, if any.
    public var previousAccountID: String?
    public var contact: Contact
}
