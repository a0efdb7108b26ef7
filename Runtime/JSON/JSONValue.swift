import Foundation

/// A JSON value: the data a notification carries into its templates.
///
/// Encodes and decodes as plain JSON (`{"order":{"id":42}}`), not as a tagged enum. Whole numbers
/// render in templates without a fraction (`3`, not `3.0`).
public enum JSONValue: Codable, Sendable, Hashable {
    /// JSON `null`. Templates treat it like an absent value.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number. JSON has one number type; integers up to 2^53 are exact.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])

    /// Decodes any JSON value.
    ///
    /// The kinds are tried most common first (strings, then numbers): every kind tried in vain
    /// costs a thrown `DecodingError`, whose description the decoder builds, so a notification's
    /// data of strings decodes with no error thrown at all.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let object = try? container.decode([String: JSONValue].self) {
            self = .object(object)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "expected a JSON value (null, boolean, number, string, array or object)")
        }
    }

    /// Encodes the value as plain JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The value as it appears when a template renders it: strings as they are, whole numbers
    /// without a fraction, booleans as `true`/`false`, `null` as an empty string, arrays and
    /// objects as compact JSON with sorted keys.
    public var templateText: String {
        switch self {
        case .null: return ""
        case .bool(let value): return value ? "true" : "false"
        case .number(let value): return Self.format(value)
        case .string(let value): return value
        case .array, .object: return jsonText
        }
    }

    /// The value as compact JSON with sorted keys and unescaped slashes, the text Foundation's
    /// `JSONEncoder` writes with those options; empty when it holds a number JSON cannot (infinite
    /// or not a number), where the encoder fails.
    ///
    /// Written directly: templates, push payload sizes and segment filters ask for it per
    /// delivery, and the encoder (a box per value, its types looked up at run time) cost more than
    /// the text.
    public var jsonText: String {
        var text = ""
        return append(to: &text) ? text : ""
    }

    private func append(to text: inout String) -> Bool {
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .number(let value):
            guard value.isFinite else { return false }
            text += Self.jsonNumber(value)
        case .string(let value): text += JSONQuoting.quoted(value)
        case .array(let elements):
            text += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { text += "," }
                guard element.append(to: &text) else { return false }
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { text += "," }
                text += JSONQuoting.quoted(member.key)
                text += ":"
                guard member.value.append(to: &text) else { return false }
            }
            text += "}"
        }
        return true
    }

    /// A finite number as `JSONEncoder` writes it: its shortest exact form, without a `.0`.
    static func jsonNumber(_ value: Double) -> String {
        let text = value.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// Formats a number the way templates show it: `3` for whole numbers, `2.5` otherwise.
    static func format(_ value: Double) -> String {
        if value.isFinite, value.rounded() == value, abs(value) < 1e15 {
            return String(Int64(value))
        }
        return value.description
    }
}

extension JSONValue: ExpressibleByNilLiteral {
    /// Creates `null`.
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    /// Creates a boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// Creates a number from an integer literal.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// Creates a number from a floating-point literal.
    public init(floatLiteral value: Double) { self = .number(value) }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// Creates a string.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// Creates an array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Creates an object. A repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
