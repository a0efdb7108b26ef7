import Logging
import NotifyAPI
import NotifyRuntime
import Testing

/// The hub's live streams: a cap per user, and a stream's slot freed when it ends.
struct InboxHubTests {
    @Test func aUserHasAtMostItsStreamsAndAnEndedStreamFreesItsSlot() throws {
        let hub = InboxHub(
            databaseURL: try DatabaseURL("postgres://notify@127.0.0.1:1/notify"), logger: Logger(label: "test"))
        var streams = (0..<InboxHub.streamsPerUser).compactMap { _ in hub.subscribe(tenantID: "acme", userID: 1) }
        #expect(streams.count == InboxHub.streamsPerUser)
        #expect(hub.subscribe(tenantID: "acme", userID: 1) == nil)
        // Other users, and the same user id of another tenant, have their own.
        let bob = try #require(hub.subscribe(tenantID: "acme", userID: 2))
        let other = try #require(hub.subscribe(tenantID: "globex", userID: 1))
        #expect(hub.subscriberCount == InboxHub.streamsPerUser + 2)
        // A stream that ends (its request gone) gives its slot back.
        streams.removeLast()
        #expect(hub.subscriberCount == InboxHub.streamsPerUser + 1)
        #expect(hub.subscribe(tenantID: "acme", userID: 1) != nil)
        _ = (bob, other)
    }
}
