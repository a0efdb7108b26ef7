/// JSON string literals written by hand, for JSON written on hot paths: rendered content (once per
/// delivery) and the sandbox's Twilio send answer, which through `JSONEncoder` took about 3.7 % of
/// the SMS benchmark's process.
public enum JSONQuoting {
    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped, `/`
    /// and non-ASCII characters as they are.
    public static func quoted(_ text: String) -> String {
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
    public static func quoted(_ text: String?) -> String { text.map { quoted($0) } ?? "null" }
}
