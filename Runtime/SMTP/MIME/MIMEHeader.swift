import Foundation
import NotifyProviders

/// Header encoding for MIME messages: RFC 2047 encoded-words, address formatting and folding.
public enum MIMEHeader {
    /// Encodes a header text for the wire: kept as is when it is printable ASCII that can be
    /// folded, otherwise as UTF-8 base64 encoded-words of at most 75 characters each, split on
    /// character boundaries.
    public static func encodeText(_ text: String) -> String {
        let clean = sanitize(text)
        // A word too long to fold would break the 998-byte line limit: encoded-words split it.
        let hasUnfoldableWord = clean.split(separator: " ").contains { $0.utf8.count > 900 }
        if isPlainASCII(clean) && !clean.contains("=?") && !hasUnfoldableWord { return clean }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in clean {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(encodedWord(chunk)) }
        return words.joined(separator: " ")
    }

    /// Formats a mailbox: `Name <address>`, the name quoted or encoded as needed.
    public static func mailbox(_ address: EmailAddress) -> String {
        let addr = sanitize(address.address)
        guard let rawName = address.name.map(sanitize), !rawName.isEmpty else { return "<\(addr)>" }
        if !isPlainASCII(rawName) || rawName.contains("=?") { return "\(encodeText(rawName)) <\(addr)>" }
        let specials = Set("()<>[]:;@\\,.\"")
        if rawName.contains(where: { specials.contains($0) }) {
            let escaped = rawName.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\"", with: "\\\"")
            return "\"\(escaped)\" <\(addr)>"
        }
        return "\(rawName) <\(addr)>"
    }

    /// Renders `Name: value` folded before spaces so lines stay within 78 characters where the
    /// value has spaces; unfolding (removing CRLF) gives back the exact value.
    public static func fold(name: String, value: String) -> String {
        var lines: [String] = []
        var current = "\(name):"
        var currentHasValue = false
        for token in value.split(separator: " ", omittingEmptySubsequences: false) {
            if currentHasValue, !token.isEmpty, current.utf8.count + 1 + token.utf8.count > 78 {
                lines.append(current)
                current = " \(token)"
            } else {
                current += " \(token)"
                currentHasValue = currentHasValue || !token.isEmpty
            }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    /// Whether a header name is a valid field name (printable ASCII, no colon, no space).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { (33...126).contains($0) && $0 != UInt8(ascii: ":") }
    }

    /// Replaces CR and LF with spaces: a header value must never start a new header.
    static func sanitize(_ text: String) -> String {
        guard text.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return text }
        return String(text.map { $0 == "\r" || $0 == "\n" || $0 == "\r\n" ? " " : $0 })
    }

    private static func isPlainASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { (32...126).contains($0) || $0 == 9 }
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?\(Data(bytes).base64EncodedString())?="
    }
}
