import Foundation
import Hummingbird
import NotifyFunctionKit

/// An HTTP API error, answered as RFC 9457 `application/problem+json` with a stable `code` and a
/// `detail` sentence that says what to fix. Never put secrets or personal data in `detail`.
public struct APIError: Error, HTTPResponseError, Sendable {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// A stable, machine-readable code such as `unknown_category`.
    public let code: String
    /// What went wrong and what to do about it.
    public let detail: String
    /// Extra response headers (for example `Retry-After`).
    public var headers: HTTPFields

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, code: String, _ detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let problem: [String: Any] = [
            "type": "https://notify.dev/problems/\(code)",
            "title": status.reasonPhrase,
            "status": status.code,
            "code": code,
            "detail": detail,
            "instance": request.uri.path,
        ]
        let data = try SortedJSON.data(problem)
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension APIError {
    /// 404 for a resource of the caller's tenant that does not exist (or belongs to another tenant).
    static func notFound(_ what: String, _ id: String) -> APIError {
        APIError(.notFound, code: "\(what)_not_found", "no \(what) \"\(id)\" exists for this tenant")
    }
}
