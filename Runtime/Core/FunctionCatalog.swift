import Foundation
import Logging
import NotifyFunctionKit
import PostgresNIO

/// The functions a process knows, by name, with their settings and a type-erased way to run them.
public struct FunctionCatalog: Sendable {
    /// A function with its input decoding erased.
    public struct Entry: Sendable {
        public let name: FunctionName
        public let settings: FunctionSettings
        /// Runs the function on a payload: its value as it is when it was made from a value of the
        /// function's input type, else its JSON read directly when the input type can
        /// (``NotifyFunctionKit/JSONTextDecodable``), else its JSON decoded.
        let invoke: @Sendable (_ payload: JobPayload, _ context: FunctionContext) async throws -> FunctionOutput
    }

    private var entries: [FunctionName: Entry] = [:]

    /// An empty catalog.
    public init() {}

    /// Adds a function. A later registration of the same name replaces the earlier one.
    public mutating func register<F: NotifyFunction>(_ function: F) {
        let directInput = F.Input.self as? any JSONTextDecodable.Type
        entries[F.name] = Entry(name: F.name, settings: F.settings) { payload, context in
            if let input = payload.value(as: F.Input.self) {
                return try await function.handle(input, context: context)
            }
            if let directInput, let text = try? payload.json(),
                let input = directInput.directlyDecoded(from: text) as? F.Input
            {
                return try await function.handle(input, context: context)
            }
            let input: F.Input
            do {
                input = try FunctionCatalog.decoder.decode(F.Input.self, from: Data(try payload.json().utf8))
            } catch {
                throw FunctionError(
                    .permanent, code: "invalid_input",
                    "the input of \(F.name) does not match its schema: \(FunctionCatalog.describe(error))")
            }
            return try await function.handle(input, context: context)
        }
    }

    /// The names of every registered function.
    public var names: [FunctionName] { Array(entries.keys) }

    /// The entry for a name, if registered.
    public func entry(_ name: FunctionName) -> Entry? { entries[name] }

    /// The entry for a raw name, if registered.
    public func entry(named name: String) -> Entry? {
        guard let functionName = try? FunctionName(validating: name) else { return nil }
        return entries[functionName]
    }

    /// The settings of a function, if registered.
    public func settings(for name: FunctionName) -> FunctionSettings? { entries[name]?.settings }

    /// Keeps only the named functions.
    /// - Throws: ``RuntimeError`` `unknown_function` naming the unknown ones and the known ones.
    public func restricted(to names: [String]) throws -> FunctionCatalog {
        var copy = FunctionCatalog()
        var unknown: [String] = []
        for name in names {
            if let entry = entry(named: name) { copy.entries[entry.name] = entry } else { unknown.append(name) }
        }
        if !unknown.isEmpty {
            throw RuntimeError(
                .unknownFunction,
                "unknown function\(unknown.count > 1 ? "s" : "") \(unknown.joined(separator: ", ")): "
                    + "use one of \(self.names.map(\.rawValue).sorted().joined(separator: ", "))")
        }
        return copy
    }

    /// Records every function's name and settings in `notify.functions`, so that SQL producers
    /// (`notify.enqueue`) see the same names and attempt limits as Swift ones.
    public func publish(to client: PostgresClient, logger: Logger) async throws {
        let names = entries.keys.map(\.rawValue)
        let attempts = entries.values.map { Int32($0.settings.maxAttempts) }
        let lanes = entries.values.map { $0.settings.defaultLane.rawValue }
        try await client.query(
            """
            INSERT INTO notify.functions (name, max_attempts, default_lane)
            SELECT * FROM unnest(\(names)::text[], \(attempts)::int4[], \(lanes)::int2[])
            ON CONFLICT (name) DO UPDATE SET max_attempts = EXCLUDED.max_attempts,
                default_lane = EXCLUDED.default_lane, updated_at = now()
            WHERE notify.functions.max_attempts IS DISTINCT FROM EXCLUDED.max_attempts
               OR notify.functions.default_lane IS DISTINCT FROM EXCLUDED.default_lane
            """, logger: logger)
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// A decoding error as a sentence that names the field, without echoing values.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "the input is not valid JSON" }
        return DecodingErrorSentence.describe(error)
    }
}
