/// The name of a function, such as `send-sms`: lower-case letters, digits and dashes, starting
/// with a letter, at most 63 characters. It is also the name of the function's queue.
public struct FunctionName: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The name as text.
    public let rawValue: String

    /// Validates and wraps a name.
    /// - Throws: ``FunctionError`` with code `invalid_function_name` when the name is malformed.
    public init(validating rawValue: String) throws {
        guard Self.isValid(rawValue) else {
            throw FunctionError(
                .permanent, code: "invalid_function_name",
                "\"\(rawValue)\" is not a valid function name: use lower-case letters, digits and dashes, "
                    + "starting with a letter, at most 63 characters (for example send-sms).")
        }
        self.rawValue = rawValue
    }

    /// A name known at compile time. Traps on an invalid literal, which is a programming error.
    public init(stringLiteral value: String) {
        precondition(Self.isValid(value), "invalid function name literal \(value)")
        self.rawValue = value
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(validating: try container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    static func isValid(_ name: String) -> Bool {
        guard let first = name.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first),
            name.utf8.count <= 63
        else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
    }
}
