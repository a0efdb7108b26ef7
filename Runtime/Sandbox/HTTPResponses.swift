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
        bytes(ByteBuffer(bytes: data), status: status, contentType: contentType, headers: headers)
    }

    /// A body of bytes already in a buffer.
    static func bytes(
        _ buffer: ByteBuffer, status: HTTPResponse.Status, contentType: String, headers: HTTPFields
    ) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: buffer))
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
        guard let buffer = await collectBodyBuffer(limit: limit) else { return nil }
        return Data(buffer: buffer)
    }

    /// The body as received, without copying it out: nil when larger than `limit` bytes.
    func collectBodyBuffer(limit: Int) async -> ByteBuffer? {
        let body = self.body
        return try? await body.collect(upTo: limit)
    }

    /// The bearer token of the Authorization header.
    var bearerToken: String? { authorization(scheme: "bearer").map(String.init) }

    /// User and password of a Basic Authorization header.
    var basicCredentials: (user: String, password: String)? {
        guard let encoded = authorization(scheme: "basic"), let data = Data(base64Encoded: String(encoded)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// The credentials of a Basic Authorization header as sent (base64), not decoded.
    var basicCredentialsText: Substring? { authorization(scheme: "basic") }

    /// What follows `scheme` (lower case; matched in any case) and a space in the Authorization
    /// header; nil when the header is absent, names another scheme or has nothing after it.
    private func authorization(scheme: String) -> Substring? {
        guard let value = headers[.authorization], let space = value.firstIndex(of: " ") else { return nil }
        let matches = value[..<space].utf8.elementsEqual(scheme.utf8) { given, expected in
            given | 0x20 == expected
        }
        let rest = value[value.index(after: space)...].drop { $0 == " " }
        return matches && !rest.isEmpty ? rest : nil
    }
}
