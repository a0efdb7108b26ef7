import AsyncHTTPClient
import NIOHTTP1
import Synchronization

/// Parsed requests by method and URL, so that a provider request copies one instead of parsing
/// its URL again (`HTTPClient.Request(url:)` parses it with Foundation's `URL` and takes it apart:
/// 0.8 % of the SMS benchmark's samples, for the same few URLs every time).
///
/// Only requests without a TLS configuration of their own are kept (APNs sets one, and its URLs
/// name device tokens), and at most ``capacity`` of them: a webhook endpoint per tenant could
/// otherwise grow it without bound. Past that, requests are parsed as before.
final class RequestTemplates: Sendable {
    static let shared = RequestTemplates()

    /// Most templates kept.
    static let capacity = 256

    private struct Key: Hashable {
        var method: String
        var url: String
    }

    private let templates = Mutex<[Key: HTTPClient.Request]>([:])

    /// A request for `url` with `method`, `headers` and `body`: a copy of the kept template when
    /// there is one, else parsed (and kept while there is room).
    func request(
        url: String, method: HTTPMethod, headers: HTTPHeaders, body: HTTPClient.Body?
    ) throws -> HTTPClient.Request {
        let key = Key(method: method.rawValue, url: url)
        var request: HTTPClient.Request
        if let template = templates.withLock({ $0[key] }) {
            request = template
        } else {
            request = try HTTPClient.Request(url: url, method: method)
            templates.withLock { templates in
                if templates.count < Self.capacity { templates[key] = request }
            }
        }
        request.headers = headers
        request.body = body
        return request
    }

    /// How many templates are kept (for tests).
    var count: Int { templates.withLock { $0.count } }
}
