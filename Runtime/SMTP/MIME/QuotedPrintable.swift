/// Quoted-printable (RFC 2045 §6.7) for text bodies: lines of at most 76 characters, so the
/// body survives any relay whatever its characters.
public enum QuotedPrintable {
    /// Encodes text: line breaks become CRLF hard breaks, long lines get `=` soft breaks, and
    /// `=`, non-ASCII bytes and trailing spaces are escaped.
    public static func encode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        let lines = splitLines(text)
        for (index, line) in lines.enumerated() {
            encodeLine(line, into: &out)
            if index < lines.count - 1 { out += "\r\n" }
        }
        return out
    }

    private static func encodeLine(_ bytes: [UInt8], into out: inout String) {
        var lineLength = 0
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let token: String
            if (byte == 32 || byte == 9) && isLast {
                token = hex(byte)
            } else if byte == 32 || byte == 9 || ((33...126).contains(byte) && byte != 61) {
                token = String(UnicodeScalar(byte))
            } else {
                token = hex(byte)
            }
            // A soft break needs room for its "=", except after the line's last token.
            let limit = isLast ? 76 : 75
            if lineLength + token.utf8.count > limit {
                out += "=\r\n"
                lineLength = 0
            }
            out += token
            lineLength += token.utf8.count
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "=" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }

    /// Splits on CRLF, LF or CR, returning each line's UTF-8 bytes.
    static func splitLines(_ text: String) -> [[UInt8]] {
        var lines: [[UInt8]] = [[]]
        var previousWasCR = false
        for byte in text.utf8 {
            switch byte {
            case 13:
                lines.append([])
                previousWasCR = true
            case 10:
                if !previousWasCR { lines.append([]) }
                previousWasCR = false
            default:
                lines[lines.count - 1].append(byte)
                previousWasCR = false
            }
        }
        return lines
    }
}
