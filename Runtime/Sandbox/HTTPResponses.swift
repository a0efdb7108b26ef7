import Foundation
import Hummingbird
import NotifyFunctionKit

/// Small builders for the JSON and form answers every simulator gives.
enum HTTPResponses {
    /// A JSON answer from a JSON-serialisable dictionary or array.
    static func json(_ object: Any, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        let data = (try? SortedJSON.data(object)) ?? Data("{}".utf8)
        return bytes(data, status: status, contentType: "application/json", headers: headers)
    }

    /// A JSON answer from an `Encodable` value with snake_case keys and ISO 8601 dates.
    static func encoded(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return bytes(data, status: status, contentType: "application/json", headers: [:])
    }

    /// An answer with a raw body.
    static func bytes(_ data: Data, status: HTTPResponse.Status, contentType: String, headers: HTTPFields) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// An empty answer.
    static func empty(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        Response(status: status, headers: headers)
    }
}

/// `HTTPField` without importing HTTPTypes directly (Hummingbird re-exports only `HTTPFields`).
typealias HTTPField = HTTPFields.Element

extension HTTPField.Name {
    static let retryAfter = HTTPField.Name("Retry-After")!
    static let xMessageID = HTTPField.Name("X-Message-Id")!
    static let apnsID = HTTPField.Name("apns-id")!
    static let apnsTopic = HTTPField.Name("apns-topic")!
    static let apnsPushType = HTTPField.Name("apns-push-type")!
    static let apnsPriority = HTTPField.Name("apns-priority")!
    static let apnsCollapseID = HTTPField.Name("apns-collapse-id")!
    static let apnsExpiration = HTTPField.Name("apns-expiration")!
}

extension Request {
    /// The whole body, up to `limit` bytes; nil when larger.
    func collectBody(limit: Int) async -> Data? {
        let body = self.body
        guard let buffer = try? await body.collect(upTo: limit) else { return nil }
        return Data(buffer: buffer)
    }

    /// The bearer token of the Authorization header.
    var bearerToken: String? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1])
    }

    /// User and password of a Basic Authorization header.
    var basicCredentials: (user: String, password: String)? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic", let data = Data(base64Encoded: String(parts[1])),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
