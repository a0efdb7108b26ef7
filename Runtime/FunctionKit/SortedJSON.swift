import Foundation

/// A value of the kind `JSONSerialization` takes (dictionaries with string keys, arrays, strings,
/// numbers, booleans, `NSNull`), encoded by `JSONEncoder` with sorted keys.
///
/// `JSONSerialization`'s `.sortedKeys` compares keys with locale-aware `NSString` comparison,
/// which on Linux creates a locale per comparison: answering a provider request or an API call
/// spent most of its time sorting three keys. `JSONEncoder` sorts in Swift and writes the same
/// JSON. Integers stay exact (64-bit), and an `NSNumber` keeps the kind it was parsed as.
public struct SortedJSON: Encodable {
    private let value: Any

    /// Wraps a value; nothing is checked until it is encoded.
    public init(_ value: Any) { self.value = value }

    /// The value as compact JSON with sorted keys.
    ///
    /// - Parameter escapingSlashes: Whether `/` is written as `\/` (JSONSerialization's default).
    /// - Throws: `EncodingError.invalidValue` for a value JSON has no form for (a date, a
    ///   non-string key, a non-finite number).
    public static func data(_ value: Any, escapingSlashes: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = escapingSlashes ? [.sortedKeys] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(SortedJSON(value))
    }

    /// Encodes the wrapped value.
    public func encode(to encoder: any Encoder) throws {
        switch value {
        case let dictionary as [String: Any]:
            var container = encoder.container(keyedBy: Key.self)
            for (key, element) in dictionary { try container.encode(SortedJSON(element), forKey: Key(key)) }
        case let array as [Any]:
            var container = encoder.unkeyedContainer()
            for element in array { try container.encode(SortedJSON(element)) }
        default:
            var container = encoder.singleValueContainer()
            try Self.encodeScalar(value, into: &container)
        }
    }

    private static func encodeScalar(_ value: Any, into container: inout any SingleValueEncodingContainer) throws {
        switch value {
        case let string as String: try container.encode(string)
        case let substring as Substring: try container.encode(String(substring))
        case let number as NSNumber where type(of: value) is NSNumber.Type:
            // Parsed JSON (a Swift Int or Bool would also cast, so the value's own type must be
            // NSNumber): the number's own type says boolean, whole or fractional.
            switch String(cString: number.objCType) {
            case "c", "B": try container.encode(number.boolValue)
            case "f", "d": try container.encode(number.doubleValue)
            default: try container.encode(number.int64Value)
            }
        case let bool as Bool: try container.encode(bool)
        case let integer as any BinaryInteger: try container.encode(Int64(integer))
        case let double as Double: try container.encode(double)
        case let float as Float: try container.encode(Double(float))
        case is NSNull: try container.encodeNil()
        case let optional as OptionalProtocol where optional.isNone: try container.encodeNil()
        default:
            throw EncodingError.invalidValue(
                value,
                EncodingError.Context(
                    codingPath: container.codingPath,
                    debugDescription: "\(type(of: value)) has no JSON form; use a string, number, boolean, array, "
                        + "dictionary with string keys, or NSNull"))
        }
    }

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// Lets ``SortedJSON`` recognise a nil wrapped in `Any`.
private protocol OptionalProtocol {
    var isNone: Bool { get }
}

extension Optional: OptionalProtocol {
    fileprivate var isNone: Bool { self == nil }
}
