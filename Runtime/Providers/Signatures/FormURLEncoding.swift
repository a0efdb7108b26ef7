/// `application/x-www-form-urlencoded` encoding and decoding, as provider callbacks and the Twilio
/// and Vonage APIs use it.
///
/// Both directions work over UTF-8 bytes in one pass, and text with nothing to escape or unescape
/// is passed through as it is: a Twilio send is encoded by the client and decoded by the sandbox,
/// and the per-escape strings of the first version took about 1 % of the SMS benchmark's samples.
public enum FormURLEncoding {
    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Encodes name/value pairs in order, spaces as `+`, everything but unreserved characters
    /// percent-encoded.
    public static func encode(_ pairs: [(name: String, value: String)]) -> String {
        String(decoding: encodedBytes(pairs), as: UTF8.self)
    }

    /// ``encode(_:)``'s text as UTF-8 bytes, for a request body.
    public static func encodedBytes(_ pairs: [(name: String, value: String)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(pairs.reduce(pairs.count * 2) { $0 + $1.name.utf8.count + $1.value.utf8.count })
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            appendEscaped(pair.name, to: &out)
            out.append(UInt8(ascii: "="))
            appendEscaped(pair.value, to: &out)
        }
        return out
    }

    /// Decodes a form body or query string into pairs in their original order; repeated names are
    /// kept. Malformed percent escapes are kept literally.
    public static func decode(_ text: String) -> [(name: String, value: String)] {
        var text = text
        return text.withUTF8 { decode(utf8: $0) }
    }

    /// ``decode(_:)`` over UTF-8 bytes, such as a request body's, without first making a string of
    /// them.
    public static func decode(utf8 bytes: UnsafeBufferPointer<UInt8>) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        pairs.reserveCapacity(bytes.reduce(1) { $1 == UInt8(ascii: "&") ? $0 + 1 : $0 })
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
            if end > start {
                if let equals = bytes[start..<end].firstIndex(of: UInt8(ascii: "=")) {
                    pairs.append((unescape(bytes[start..<equals]), unescape(bytes[(equals + 1)..<end])))
                } else {
                    pairs.append((unescape(bytes[start..<end]), ""))
                }
            }
            start = end + 1
        }
        return pairs
    }

    /// Percent-encodes one name or value (spaces as `+`).
    public static func escape(_ text: String) -> String {
        guard !text.utf8.allSatisfy(isUnreserved) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        appendEscaped(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `+` and percent escapes.
    public static func unescape(_ text: Substring) -> String {
        var text = String(text)
        return text.withUTF8 { unescape($0[...]) }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"), UInt8(ascii: "*"):
            return true
        default:
            return false
        }
    }

    private static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else if byte == UInt8(ascii: " ") {
                out.append(UInt8(ascii: "+"))
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0f)])
            }
        }
    }

    private static func unescape(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        guard bytes.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        // Unescaped text is never longer than its escaped form: written straight into the string.
        return String(unsafeUninitializedCapacity: bytes.count) { out in
            var count = 0
            var index = bytes.startIndex
            while index < bytes.endIndex {
                let byte = bytes[index]
                if byte == UInt8(ascii: "+") {
                    out[count] = UInt8(ascii: " ")
                } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                    let high = SignatureSupport.nibble(bytes[index + 1]),
                    let low = SignatureSupport.nibble(bytes[index + 2])
                {
                    out[count] = high << 4 | low
                    index += 2
                } else {
                    out[count] = byte
                }
                count += 1
                index += 1
            }
            return count
        }
    }
}
