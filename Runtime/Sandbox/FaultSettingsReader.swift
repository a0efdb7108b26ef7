import Foundation
import NotifyJSON

/// Reads one JSON object of fault settings key by key, refusing keys it does not know and values
/// out of range with a ``SandboxError`` (`invalid_fault_settings`) whose message names the key by
/// its path, such as `latency.max_ms` (or `twilio.latency.max_ms` in a faults file).
struct FaultSettingsReader {
    private let container: KeyedDecodingContainer<Key>
    /// The object's path, such as `latency`; empty for the settings themselves.
    private let path: [String]

    /// Opens the object and refuses any key not in `accepted`; `noun` names such a key in the
    /// message ("fault setting" at the top, "key" in a nested object).
    init(_ decoder: any Decoder, accepted: [String], noun: String = "key") throws {
        path = decoder.codingPath.map(\.stringValue)
        do {
            container = try decoder.container(keyedBy: Key.self)
        } catch {
            throw Self.problem(error, document: Self.expectedObject)
        }
        let unknown = container.allKeys.map(\.stringValue).filter { !accepted.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        let place = path.isEmpty ? "" : " in \(path.joined(separator: "."))"
        throw SandboxError(
            .invalidFaultSettings,
            "unknown \(noun) \(JSONQuoting.quoted(first))\(place); use \(Self.list(accepted, conjunction: "or"))")
    }

    /// The object's name for messages, such as `latency`.
    var name: String { path.isEmpty ? "fault settings" : path.joined(separator: ".") }

    /// The name of one of its keys for messages, such as `latency.min_ms`.
    func name(of key: String) -> String { (path + [key]).joined(separator: ".") }

    /// An error about this object.
    func problem(_ message: String) -> SandboxError { SandboxError(.invalidFaultSettings, message) }

    /// A whole number in `range`, or nil when absent (or null).
    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        let expected = "a whole number between \(range.lowerBound) and \(range.upperBound)"
        guard let value = try number(key, expected: expected) else { return nil }
        guard let whole = Int(exactly: value) else {
            throw problem("\(name(of: key)) must be \(expected), not \(Self.text(value))")
        }
        guard range.contains(whole) else {
            throw problem("\(name(of: key)) must be between \(range.lowerBound) and \(range.upperBound), not \(whole)")
        }
        return whole
    }

    /// A number in `range`, or nil when absent (or null).
    func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        let bounds = "between \(Self.text(range.lowerBound)) and \(Self.text(range.upperBound))"
        guard let value = try number(key, expected: "a number " + bounds) else { return nil }
        guard range.contains(value) else {
            throw problem("\(name(of: key)) must be \(bounds), not \(Self.text(value))")
        }
        return value
    }

    /// One of the `accepted` strings, or nil when absent (or null).
    func string(_ key: String, oneOf accepted: [String]) throws -> String? {
        let expected = Self.list(accepted, conjunction: "or")
        let value: String?
        do {
            value = try container.decodeIfPresent(String.self, forKey: Key(key))
        } catch {
            throw problem("\(name(of: key)) must be \(expected)")
        }
        guard let value else { return nil }
        guard accepted.contains(value) else {
            throw problem("\(name(of: key)) must be \(expected), not \(JSONQuoting.quoted(value))")
        }
        return value
    }

    /// A nested object, checked by its own initialiser, or nil when absent (or null).
    func object<T: Decodable>(_ type: T.Type, _ key: String) throws -> T? {
        do {
            return try container.decodeIfPresent(T.self, forKey: Key(key))
        } catch let error as DecodingError {
            throw Self.problem(error, document: Self.expectedObject)
        }
    }

    private func number(_ key: String, expected: String) throws -> Double? {
        do {
            return try container.decodeIfPresent(Double.self, forKey: Key(key))
        } catch {
            throw problem("\(name(of: key)) must be \(expected)")
        }
    }

    /// The settings error for any error of decoding: a ``SandboxError`` as it is, a decoding
    /// error as a sentence naming where it happened (`document` when at the top).
    static func problem(_ error: any Error, document: String) -> SandboxError {
        if let error = error as? SandboxError { return error }
        guard let error = error as? DecodingError else {
            return SandboxError(.invalidFaultSettings, "\(document): \(error)")
        }
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let found), .valueNotFound(_, let found), .keyNotFound(_, let found),
            .dataCorrupted(let found):
            context = found
        @unknown default:
            return SandboxError(.invalidFaultSettings, document)
        }
        let path = context.codingPath.map(\.stringValue)
        if path.isEmpty {
            if case .dataCorrupted = error {
                return SandboxError(.invalidFaultSettings, "\(document); this is not JSON")
            }
            return SandboxError(.invalidFaultSettings, document)
        }
        return SandboxError(.invalidFaultSettings, "\(path.joined(separator: ".")) must be a JSON object")
    }

    /// What a provider's settings must be.
    static let expectedObject = #"fault settings must be a JSON object, such as {"error_rate": 0.1}"#

    /// `a, b or c`.
    static func list(_ items: [String], conjunction: String) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items.last!
    }

    /// A number as a person writes it: `5`, not `5.0`.
    static func text(_ value: Double) -> String {
        if let whole = Int(exactly: value) { return String(whole) }
        return String(value)
    }

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
