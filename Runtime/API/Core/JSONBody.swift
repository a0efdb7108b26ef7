import Foundation
import Hummingbird

/// Reads and decodes JSON request bodies with errors that say what to fix: too large (413),
/// malformed JSON, a field of the wrong type or missing (400), and unknown top-level fields where
/// a typo would silently change the meaning (400).
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
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw APIError(
                .badRequest, code: "malformed_json", "the body is not valid JSON; check quotes, commas and brackets")
        }
        if let allowedKeys {
            guard let fields = object as? [String: Any] else {
                throw APIError(.badRequest, code: "invalid_body", "the body must be a JSON object")
            }
            let unknown = Set(fields.keys).subtracting(allowedKeys).sorted()
            if !unknown.isEmpty {
                throw APIError(
                    .badRequest, code: "unknown_field",
                    "unknown field\(unknown.count > 1 ? "s" : "") \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); allowed: \(allowedKeys.sorted().joined(separator: ", "))"
                )
            }
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError(.badRequest, code: "invalid_body", describe(error))
        } catch let error as APIError {
            throw error
        }
    }

    static let tooLarge = APIError(
        .contentTooLarge, code: "body_too_large", "the request body is over \(maximumSize / 1024) KiB; send less data")

    /// A sentence naming the field and what it should be.
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : text
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "field \"\(path(context.codingPath))\" must be \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "field \"\(path(context.codingPath))\" must be \(typeName(type)), not null"
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "field \"\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)\" is required"
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return field.isEmpty ? context.debugDescription : "field \"\(field)\": \(context.debugDescription)"
        @unknown default:
            return "the body does not match the expected shape"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is Date.Type: "an ISO 8601 date-time such as 2026-11-23T09:00:00Z"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self = Data(buffer.readableBytesView)
    }
}
