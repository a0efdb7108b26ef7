import Foundation
import Hummingbird
import NotifyFunctionKit

/// Reads and decodes JSON request bodies with errors that say what to fix: too large (413),
/// malformed JSON, a field of the wrong type or missing, a date or enumeration value that is not
/// one (``DecodingProblem``), and unknown top-level fields where a typo would silently change the
/// meaning (400).
public enum JSONBody {
    /// The largest request body accepted, in bytes.
    public static let maximumSize = 256 * 1024

    /// Collects the body, refusing bodies over ``maximumSize``.
    public static func bytes(_ request: Request) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maximumSize {
            throw tooLarge
        }
        do {
            let buffer = try await request.body.collect(upTo: maximumSize)
            return Data(buffer: buffer)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
    }

    /// Decodes the body as `T`; with `allowedKeys`, refuses any other top-level field.
    public static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, allowedKeys: Set<String>? = nil
    ) async throws -> T {
        let data = try await bytes(request)
        return try decode(type, from: data, allowedKeys: allowedKeys)
    }

    /// Decodes `data` as `T`; with `allowedKeys`, refuses any other top-level field.
    public static func decode<T: Decodable>(
        _ type: T.Type, from data: Data, allowedKeys: Set<String>? = nil
    ) throws
        -> T
    {
        guard !data.isEmpty else {
            throw APIError(.badRequest, code: "empty_body", "the request needs a JSON body")
        }
        // One parse: the body's own keys are checked as it is decoded (JSONSerialization would
        // build a second, Foundation-object copy of every body first).
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = RequestDate.strategy
        do {
            guard let allowedKeys else { return try decoder.decode(T.self, from: data) }
            decoder.userInfo[KeyCheckedBody<T>.allowedKeys] = allowedKeys
            return try decoder.decode(KeyCheckedBody<T>.self, from: data).value
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw APIError(
                .badRequest, code: "malformed_json", "the body is not valid JSON; check quotes, commas and brackets")
        } catch let error as DecodingError {
            throw DecodingProblem.problem(for: error)
        } catch let error as APIError {
            throw error
        }
    }

    static let tooLarge = APIError(
        .contentTooLarge, code: "body_too_large", "the request body is over \(maximumSize / 1024) KiB; send less data")
}

/// A body whose top-level fields must all be in the set given in the decoder's user info, decoded
/// as `Value` once they are.
struct KeyCheckedBody<Value: Decodable>: Decodable {
    static var allowedKeys: CodingUserInfoKey { CodingUserInfoKey(rawValue: "notify.allowedKeys")! }

    let value: Value

    init(from decoder: any Decoder) throws {
        let allowed = decoder.userInfo[Self.allowedKeys] as? Set<String> ?? []
        let fields: KeyedDecodingContainer<FieldName>
        do {
            fields = try decoder.container(keyedBy: FieldName.self)
        } catch DecodingError.typeMismatch {
            throw APIError(.badRequest, code: "invalid_body", "the body must be a JSON object")
        }
        // Checked key by key: most bodies have no unknown field, and need no set of their own.
        if fields.allKeys.contains(where: { !allowed.contains($0.stringValue) }) {
            let unknown = Set(fields.allKeys.map(\.stringValue)).subtracting(allowed).sorted()
            throw APIError(
                .badRequest, code: "unknown_field",
                "unknown field\(unknown.count > 1 ? "s" : "") \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); allowed: \(allowed.sorted().joined(separator: ", "))"
            )
        }
        value = try Value(from: decoder)
    }

    /// Any field name.
    struct FieldName: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self = Data(buffer.readableBytesView)
    }
}
