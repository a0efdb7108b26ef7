import Foundation

extension JSONValue {
    /// The JSON object in `text`, read directly into values: what
    /// `JSONDecoder().decode([String: JSONValue].self, from:)` gives, without the decoder's boxes and
    /// run-time type lookups, which cost more than the text for a notification's data or a user's
    /// profile read once per delivery.
    ///
    /// Strict JSON (RFC 8259): no comments, no control characters in strings, escapes checked (a
    /// `\u` surrogate must have its pair), and no trailing comma (which the decoder lets pass).
    /// Numbers become `Double`; one beyond its range is an error, as it is for the decoder. A
    /// repeated key keeps its first value, as in the decoder.
    ///
    /// - Throws: `DecodingError.dataCorrupted` naming the byte offset and what was expected there.
    public static func object(parsing text: String) throws -> [String: JSONValue] {
        var text = text
        return try text.withUTF8 { bytes in
            var parser = JSONTextParser(bytes)
            parser.skipWhitespace()
            guard parser.peek == UInt8(ascii: "{") else { throw parser.failure("a JSON object") }
            guard case .object(let members) = try parser.value(depth: 0) else { throw parser.failure("a JSON object") }
            parser.skipWhitespace()
            guard parser.isAtEnd else { throw parser.failure("the end of the text") }
            return members
        }
    }

    /// The members named in `names` of the JSON object in `text`: what ``object(parsing:)`` gives,
    /// filtered, with the same checks of the whole text, but without building the other members'
    /// values (a provider's answer of thirty fields of which one or two are needed).
    ///
    /// - Throws: `DecodingError.dataCorrupted` naming the byte offset and what was expected there.
    public static func members(named names: Set<String>, parsing text: String) throws -> [String: JSONValue] {
        var text = text
        return try text.withUTF8 { try members(named: names, parsingUTF8: $0) }
    }

    /// ``members(named:parsing:)`` over UTF-8 bytes, such as an HTTP answer's body, without first
    /// making a string of them.
    public static func members(named names: Set<String>, parsingUTF8 bytes: [UInt8]) throws -> [String: JSONValue] {
        try bytes.withUnsafeBufferPointer { try members(named: names, parsingUTF8: $0) }
    }

    private static func members(
        named names: Set<String>, parsingUTF8 bytes: UnsafeBufferPointer<UInt8>
    ) throws -> [String: JSONValue] {
        var parser = JSONTextParser(bytes)
        let members = try parser.members(named: names)
        parser.skipWhitespace()
        guard parser.isAtEnd else { throw parser.failure("the end of the text") }
        return members
    }

    /// Any JSON value in `text` (see ``object(parsing:)``).
    ///
    /// - Throws: `DecodingError.dataCorrupted` naming the byte offset and what was expected there.
    public init(parsing text: String) throws {
        var text = text
        self = try text.withUTF8 { bytes in
            var parser = JSONTextParser(bytes)
            let value = try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.isAtEnd else { throw parser.failure("the end of the text") }
            return value
        }
    }
}

/// A reader of JSON text over its UTF-8 bytes, for ``JSONValue/object(parsing:)``.
struct JSONTextParser {
    /// Nesting deeper than this is refused, as Foundation's decoder refuses it.
    static let maximumDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var isAtEnd: Bool { offset >= bytes.count }
    var peek: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    func failure(_ expected: String) -> DecodingError {
        let found = peek.map { $0 >= 0x20 && $0 < 0x7F ? "`\(Character(Unicode.Scalar($0)))`" : "byte \($0)" }
        return DecodingError.dataCorrupted(
            .init(
                codingPath: [],
                debugDescription: "invalid JSON at byte \(offset): expected \(expected), found \(found ?? "the end")"))
    }

    mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws -> JSONValue {
        skipWhitespace()
        guard let byte = peek else { throw failure("a value") }
        switch byte {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("a value")
        }
    }

    /// The room a non-empty object or array is given at its first member or element.
    static let initialCapacity = 6

    /// The members of the object at the cursor named in `names`; every other member's value is
    /// checked as strictly as ``value(depth:)`` checks it, but not built.
    mutating func members(named names: Set<String>) throws -> [String: JSONValue] {
        skipWhitespace()
        guard peek == UInt8(ascii: "{") else { throw failure("a JSON object") }
        var members: [String: JSONValue] = [:]
        try sequence(closedBy: UInt8(ascii: "}"), depth: 1) {
            let key = try $0.memberName()
            if names.contains(key) {
                let member = try $0.value(depth: 1)
                if members[key] == nil { members[key] = member }
            } else {
                try $0.skipValue(depth: 1)
            }
        }
        return members
    }

    /// Checks the value at the cursor and moves past it without building it.
    private mutating func skipValue(depth: Int) throws {
        skipWhitespace()
        guard let byte = peek else { throw failure("a value") }
        switch byte {
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "{"):
            try sequence(closedBy: UInt8(ascii: "}"), depth: depth + 1) {
                try $0.skipMemberName()
                try $0.skipValue(depth: depth + 1)
            }
        case UInt8(ascii: "["):
            try sequence(closedBy: UInt8(ascii: "]"), depth: depth + 1) { try $0.skipValue(depth: depth + 1) }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try number()
        default: throw failure("a value")
        }
    }

    /// Checks the string at the cursor (its opening quote) and moves past it; escapes are checked
    /// into a scratch buffer only when there are any.
    private mutating func skipString() throws {
        offset += 1
        var scratch: [UInt8] = []
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return
            case UInt8(ascii: "\\"):
                offset += 1
                scratch.removeAll(keepingCapacity: true)
                try escape(into: &scratch)
            case ..<0x20:
                throw failure("no control character inside a string (escape it)")
            default:
                offset += 1
            }
        }
        throw failure("the string's closing quote")
    }

    /// A member's name and the colon after it; the cursor is before the name.
    private mutating func memberName() throws -> String {
        skipWhitespace()
        guard peek == UInt8(ascii: "\"") else { throw failure("a member name in quotes") }
        let key = try string()
        skipWhitespace()
        guard peek == UInt8(ascii: ":") else { throw failure("`:`") }
        offset += 1
        return key
    }

    /// Checks a member's name and the colon after it, and moves past them without making a string.
    private mutating func skipMemberName() throws {
        skipWhitespace()
        guard peek == UInt8(ascii: "\"") else { throw failure("a member name in quotes") }
        try skipString()
        skipWhitespace()
        guard peek == UInt8(ascii: ":") else { throw failure("`:`") }
        offset += 1
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        var members: [String: JSONValue] = [:]
        try sequence(closedBy: UInt8(ascii: "}"), depth: depth) {
            // Room for a small object at once, instead of growing through three sizes to it.
            if members.isEmpty { members.reserveCapacity(Self.initialCapacity) }
            let key = try $0.memberName()
            let member = try $0.value(depth: depth)
            if members[key] == nil { members[key] = member }
        }
        return .object(members)
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        var elements: [JSONValue] = []
        try sequence(closedBy: UInt8(ascii: "]"), depth: depth) {
            if elements.isEmpty { elements.reserveCapacity(Self.initialCapacity) }
            elements.append(try $0.value(depth: depth))
        }
        return .array(elements)
    }

    /// The items of an object or an array, each read by `item`, separated by commas, up to
    /// `closing`; the cursor is on the opening bracket.
    private mutating func sequence(
        closedBy closing: UInt8, depth: Int, item: (inout JSONTextParser) throws -> Void
    ) throws {
        guard depth <= Self.maximumDepth else { throw failure("at most \(Self.maximumDepth) levels of nesting") }
        offset += 1
        skipWhitespace()
        if peek == closing {
            offset += 1
            return
        }
        while true {
            try item(&self)
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): offset += 1
            case closing?:
                offset += 1
                return
            default: throw failure("`,` or `\(Character(Unicode.Scalar(closing)))`")
            }
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard bytes.count - offset >= count,
            memcmp(bytes.baseAddress! + offset, word.utf8Start, count) == 0
        else { throw failure("`\(word)`") }
        offset += count
    }

    /// A number by JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() throws -> Double {
        let start = offset
        func digits() -> Int {
            let first = offset
            while offset < bytes.count, bytes[offset] >= UInt8(ascii: "0"), bytes[offset] <= UInt8(ascii: "9") {
                offset += 1
            }
            return offset - first
        }
        if peek == UInt8(ascii: "-") { offset += 1 }
        if peek == UInt8(ascii: "0") {
            offset += 1
        } else if digits() == 0 {
            throw failure("a digit")
        }
        if peek == UInt8(ascii: ".") {
            offset += 1
            guard digits() > 0 else { throw failure("a digit after the decimal point") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            offset += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { offset += 1 }
            guard digits() > 0 else { throw failure("a digit in the exponent") }
        }
        let token = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        guard let number = Double(token), number.isFinite else {
            offset = start
            throw failure("a number a Double can hold")
        }
        return number
    }

    /// A string, its escapes resolved; the cursor is on its opening quote.
    private mutating func string() throws -> String {
        offset += 1
        let start = offset
        // Most strings have no escapes: find the closing quote and take the bytes as they are.
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
                offset += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw failure("no control character inside a string (escape it)") }
            offset += 1
        }
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<offset]))
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                offset += 1
                try escape(into: &utf8)
            case ..<0x20:
                throw failure("no control character inside a string (escape it)")
            default:
                utf8.append(byte)
                offset += 1
            }
        }
        throw failure("the string's closing quote")
    }

    /// One escape after its backslash, appended as UTF-8.
    private mutating func escape(into output: inout [UInt8]) throws {
        guard let byte = peek else { throw failure("an escape") }
        offset += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(byte)
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            var code = try hexQuad()
            if (0xD800..<0xDC00).contains(code) {
                guard bytes.count - offset >= 2, bytes[offset] == UInt8(ascii: "\\"),
                    bytes[offset + 1] == UInt8(ascii: "u")
                else { throw failure("the second half of a UTF-16 surrogate pair (`\\uDC00`–`\\uDFFF`)") }
                offset += 2
                let low = try hexQuad()
                guard (0xDC00..<0xE000).contains(low) else {
                    offset -= 4
                    throw failure("the second half of a UTF-16 surrogate pair (`\\uDC00`–`\\uDFFF`)")
                }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(code) {
                offset -= 4
                throw failure("a UTF-16 surrogate pair that starts with its first half (`\\uD800`–`\\uDBFF`)")
            }
            output.append(contentsOf: UTF8.encode(Unicode.Scalar(code)!)!)
        default:
            offset -= 1
            throw failure("an escape (one of `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t`, `\\u`)")
        }
    }

    private mutating func hexQuad() throws -> UInt32 {
        guard bytes.count - offset >= 4 else { throw failure("four hexadecimal digits") }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("a hexadecimal digit")
            }
            code = code << 4 | UInt32(digit)
            offset += 1
        }
        return code
    }
}
