import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOSSL

/// Runs one provider request on the shared client with a deadline, and turns network errors into
/// `ProviderFailure`s: before the request went out they are transient, after it they are
/// unknown outcomes.
///
/// The request goes through the client's delegate interface (``ProviderResponseCollector``): its
/// deadline covers the whole exchange, body included, and the body is collected on the event loop
/// that reads it. The streaming interface costs a task for the request body, another two and a
/// timer for a deadline on the response body, and a hop between threads for each.
///
/// The client gets no logger: it writes only debug and trace lines, which carry URLs (and URLs
/// can carry device tokens), and a logger of its own would cost a copy of its metadata per request.
enum HTTPExchange {
    /// The most of a response body that is read.
    static let maximumResponseBytes = 1 << 20

    static func perform(
        _ request: ProviderHTTPRequest, on client: HTTPClient, deadline: ContinuousClock.Instant,
        tlsConfiguration: TLSConfiguration? = nil
    ) async -> Result<ProviderHTTPResponse, ProviderFailure> {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else {
            return .failure(
                ProviderFailure(
                    kind: .transient, code: "network_timeout", message: "No time was left to send the request."))
        }
        let outgoing: HTTPClient.Request
        do {
            if let tlsConfiguration {
                outgoing = try HTTPClient.Request(
                    url: request.url, method: request.method, headers: request.headers, body: .bytes(request.body),
                    tlsConfiguration: tlsConfiguration)
            } else {
                outgoing = try RequestTemplates.shared.request(
                    url: request.url, method: request.method, headers: request.headers, body: .bytes(request.body))
            }
        } catch {
            return .failure(NetworkFailure.classify(error, requestSent: false))
        }
        let collector = ProviderResponseCollector(limit: maximumResponseBytes)
        let task = client.execute(
            request: outgoing, delegate: collector, eventLoop: .indifferent,
            deadline: .now() + TimeAmount(remaining), logger: nil)
        do {
            let response = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            return .success(response)
        } catch {
            // A body that does not arrive in time is classified as empty: the status and headers
            // still say what happened.
            if let headOnly = collector.headOnly { return .success(headOnly) }
            return .failure(NetworkFailure.classify(error, requestSent: collector.requestSent))
        }
    }
}
