import Foundation
import Hummingbird
import NotifyProviders
import Synchronization

/// A webhook receiver on loopback: records every POST to `/hooks/{name}` and answers with the
/// status set for that name (200 unless told otherwise).
final class Receiver: Sendable {
    /// One request as received, with the status it was answered with.
    struct Request: Sendable {
        let name: String
        let id: String?
        let timestamp: String?
        let signature: String?
        let body: Data
        let status: Int

        /// The `data` array of the body.
        var events: [[String: Any]] {
            let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
            return json?["data"] as? [[String: Any]] ?? []
        }

        var eventIDs: [Int64] { events.compactMap { ($0["id"] as? NSNumber)?.int64Value } }

        /// Verifies the Standard Webhooks signature with `secret`.
        func verify(secret: String) throws {
            try StandardWebhookSignature(secret: secret).verify(
                id: id, timestamp: timestamp, signature: signature, body: body)
        }
    }

    private let state = Mutex<(requests: [Request], statuses: [String: Int])>(([], [:]))

    /// Answers requests to `name` with `status` from now on.
    func answer(_ name: String, with status: Int) { state.withLock { $0.statuses[name] = status } }

    /// The requests to `name`, in arrival order.
    func requests(_ name: String) -> [Request] { state.withLock { $0.requests.filter { $0.name == name } } }

    /// The event ids of the requests to `name` answered with 2xx, in arrival order.
    func acceptedIDs(_ name: String) -> [Int64] {
        requests(name).filter { (200..<300).contains($0.status) }.flatMap(\.eventIDs)
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("hooks/{name}") { request, context -> Response in
            let name = context.parameters.get("name") ?? ""
            let buffer = try await request.body.collect(upTo: 16 << 20)
            let status = self.state.withLock { state in
                let status = state.statuses[name] ?? 200
                state.requests.append(
                    Request(
                        name: name, id: request.headers[.init("webhook-id")!],
                        timestamp: request.headers[.init("webhook-timestamp")!],
                        signature: request.headers[.init("webhook-signature")!],
                        body: Data(buffer.readableBytesView), status: status))
                return status
            }
            return Response(status: .init(code: status))
        }
        return router
    }
}
