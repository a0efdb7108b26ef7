/// `application/x-www-form-urlencoded` encoding and decoding, as provider callbacks and the Twilio
/// and Vonage APIs use it.
public enum FormURLEncoding {
    /// Encodes name/value pairs in order, spaces as `+`, everything but unreserved characters
    /// percent-encoded.
    public static func encode(_ pairs: [(name: String, value: String)]) -> String {
        pairs.map { "\(escape($0.name))=\(escape($0.value))" }.joined(separator: "&")
    }

    /// Decodes a form body or query string into pairs in their original order; repeated names are
    /// kept. Malformed percent escapes are kept literally.
    public static func decode(_ text: String) -> [(name: String, value: String)] {
        guard !text.isEmpty else { return [] }
        return text.split(separator: "&", omittingEmptySubsequences: true).map { field in
            if let equals = field.firstIndex(of: "=") {
                return (unescape(field[..<equals]), unescape(field[field.index(after: equals)...]))
            }
            return (unescape(field[...]), "")
        }
    }

    /// Percent-encodes one name or value (spaces as `+`).
    public static func escape(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "*"):
                out.append(byte)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `+` and percent escapes.
    public static func unescape(_ text: Substring) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                let decoded = SignatureSupport.bytes(
                    fromHex: String(decoding: bytes[index + 1...index + 2], as: UTF8.self))
            {
                out.append(decoded[0])
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
