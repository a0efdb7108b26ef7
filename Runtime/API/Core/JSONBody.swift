import Foundation
import Hummingbird
import NotifyFunctionKit

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
    static func describe(_ error: DecodingError) -> String { DecodingErrorSentence.describe(error) }
}

extension Data {
    init(buffer: ByteBuffer) {
        self = Data(buffer.readableBytesView)
    }
}
