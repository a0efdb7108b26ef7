/// JSON string literals written by hand, for JSON written on hot paths: rendered content (once per
/// delivery) and the sandbox's Twilio send answer, which through `JSONEncoder` took about 3.7 % of
/// the SMS benchmark's process.
public enum JSONQuoting {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped, `/`
    /// and non-ASCII characters as they are. Text with nothing to escape is only wrapped in quotes.
    public static func quoted(_ text: String) -> String {
        guard needsEscape(text) else { return "\"" + text + "\"" }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        bytes.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: bytes += [0x5C, 0x22]
            case 0x5C: bytes += [0x5C, 0x5C]
            case 0x0A: bytes += [0x5C, 0x6E]
            case 0x0D: bytes += [0x5C, 0x72]
            case 0x09: bytes += [0x5C, 0x74]
            case 0x08: bytes += [0x5C, 0x62]
            case 0x0C: bytes += [0x5C, 0x66]
            case ..<0x20:
                // \u00XX with lower-case hex digits, as Foundation's encoder writes it.
                bytes += [0x5C, 0x75, 0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            default:
                // Multi-byte UTF-8 sequences pass through byte by byte: none of their bytes is
                // below 0x80.
                bytes.append(byte)
            }
        }
        bytes.append(0x22)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text` as a JSON string literal (as `quoted(_:)` writes it) to `output`:
    /// text with nothing to escape costs no string of its own.
    public static func append(_ text: String, to output: inout String) {
        guard !needsEscape(text) else {
            output += quoted(text)
            return
        }
        output += "\""
        output += text
        output += "\""
    }

    /// Appends `text` quoted, or `null`, to `output`.
    public static func append(_ text: String?, to output: inout String) {
        if let text { append(text, to: &output) } else { output += "null" }
    }

    /// Appends the member `"name":value` of an object being written, after a comma unless it is the
    /// object's first (`first`, set to false once one is written); a nil value is left out.
    public static func appendMember(_ name: String, _ value: String?, to output: inout String, first: inout Bool) {
        guard let value else { return }
        output += first ? "\"" : ",\""
        first = false
        output += name
        output += "\":"
        append(value, to: &output)
    }

    /// A JSON object of string values, its keys sorted (as `JSONEncoder` with `.sortedKeys` writes it).
    public static func object(_ fields: [String: String]) -> String {
        var text = ""
        appendObject(fields, to: &text)
        return text
    }

    /// Appends ``object(_:)``'s text to `output`.
    public static func appendObject(_ fields: [String: String], to output: inout String) {
        output += "{"
        var first = true
        for key in fields.keys.sorted() {
            if !first { output += "," }
            first = false
            append(key, to: &output)
            output += ":"
            append(fields[key] ?? "", to: &output)
        }
        output += "}"
    }

    /// `text` quoted, or `null`.
    public static func quoted(_ text: String?) -> String { text.map { quoted($0) } ?? "null" }

    /// Whether `text` holds a character a JSON string literal must escape (a quote, a backslash or
    /// a control character).
    public static func needsEscape(_ text: String) -> Bool {
        text.utf8.contains { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }
    }
}
