import Hummingbird
import NIOCore

/// The request context of both listeners: keeps the channel so a fault can drop the connection
/// and APNs can track provider tokens per connection.
struct SandboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The request's channel (an HTTP/2 stream channel on the APNs listener).
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Bodies up to SendGrid's 30 MB limit are read; larger ones are refused by the handlers.
    var maxUploadSize: Int { 31 * 1024 * 1024 }

    /// The connection: the parent of an HTTP/2 stream, else the channel itself.
    var connection: any Channel { channel.parent ?? channel }
}
