import Foundation
import Hummingbird
import NotifyFunctionKit

/// JSON responses of the API.
enum APIResponse {
    /// A JSON response from a JSONSerialization-compatible value (keys sorted, so answers are stable).
    static func json(_ value: Any, status: HTTPResponse.Status, headers: HTTPFields = [:]) throws -> Response {
        let data = try SortedJSON.data(value)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JSON response from an Encodable value.
    static func encoded<T: Encodable>(_ value: T, status: HTTPResponse.Status) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        return Response(
            status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// 204 No Content.
    static var noContent: Response { Response(status: .noContent) }
}
