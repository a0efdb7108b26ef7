import Foundation
import Synchronization

/// A job's input: JSON text, or a typed value that is encoded as JSON only when it must be.
///
/// A function hands its next steps their inputs as values. A worker that runs such a step inside
/// the job that asked for it (an inlined successor) or right after it (a chained job) takes the
/// value as it is, and skips encoding it to JSON and decoding it again; a step that goes to the
/// queue is encoded once, when its job row is written. Either way the function sees the same
/// input: the value, or what its JSON decodes to.
public struct JobPayload: Sendable, Hashable, CustomStringConvertible {
    private enum Storage: Sendable {
        case json(String)
        case typed(any TypedPayload)
    }

    private let storage: Storage

    /// A payload given as JSON text.
    public init(json: String) {
        self.storage = .json(json)
    }

    /// A payload made from a typed value, encoded as JSON (ISO 8601 dates, sorted keys) the first
    /// time ``json()`` is asked for; a ``JSONTextEncodable`` value writes that text itself.
    public init<Input: Encodable & Sendable>(encoding value: Input) {
        self.storage = .typed(TypedValue(value))
    }

    /// The payload as JSON text.
    /// - Throws: the encoder's error when the payload was made from a value that JSON cannot hold
    ///   (a non-finite floating-point number, for example).
    public func json() throws -> String {
        switch storage {
        case .json(let text): return text
        case .typed(let typed): return try typed.json()
        }
    }

    /// The value the payload was made from, when it was made from a value of type `T`.
    package func value<T>(as type: T.Type) -> T? {
        guard case .typed(let typed) = storage else { return nil }
        return typed.value(as: type)
    }

    /// The JSON text, or a placeholder when it cannot be encoded (without the encoder's error,
    /// which may quote the value).
    public var description: String {
        (try? json()) ?? "<payload that cannot be encoded as JSON>"
    }

    /// Payloads are equal when their JSON texts are; two that cannot be encoded are equal only
    /// when they are the same value.
    public static func == (lhs: JobPayload, rhs: JobPayload) -> Bool {
        switch (try? lhs.json(), try? rhs.json()) {
        case (let left?, let right?): return left == right
        case (nil, nil):
            if case .typed(let left) = lhs.storage, case .typed(let right) = rhs.storage { return left === right }
            return false
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(try? json())
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}

/// A typed payload and its JSON, encoded at most once.
private protocol TypedPayload: AnyObject, Sendable {
    /// The value the payload was made from, when it is of type `T`.
    func value<T>(as type: T.Type) -> T?
    /// The value as JSON text, encoded the first time it is asked for.
    func json() throws -> String
}

/// A payload of type `Input`: one object, where a value, an encoding closure and a box for the
/// value took four allocations per next step.
private final class TypedValue<Input: Encodable & Sendable>: TypedPayload {
    let input: Input
    private let encoded = Mutex<Result<String, any Error>?>(nil)

    init(_ input: Input) { self.input = input }

    func value<T>(as type: T.Type) -> T? { input as? T }

    func json() throws -> String {
        if let done = encoded.withLock({ $0 }) { return try done.get() }
        let result = Result { () throws -> String in
            // A JSONTextEncodable value writes its text itself.
            if let direct = input as? any JSONTextEncodable { return direct.jsonText }
            return String(decoding: try JobPayload.encoder.encode(input), as: UTF8.self)
        }
        encoded.withLock { $0 = result }
        return try result.get()
    }
}
