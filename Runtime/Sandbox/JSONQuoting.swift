/// JSON string literals written by hand, for the sandbox's hottest answers: the Twilio send answer
/// through `JSONEncoder` took about 3.7 % of the SMS benchmark's process (the sandbox answers in the
/// benchmark's process, so what it costs is taken from the engine being measured).
enum JSONQuoting {
    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped, `/`
    /// and non-ASCII characters as they are.
    static func quoted(_ text: String) -> String {
        var result = "\""
        result.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// `text` quoted, or `null`.
    static func quoted(_ text: String?) -> String { text.map { quoted($0) } ?? "null" }
}
