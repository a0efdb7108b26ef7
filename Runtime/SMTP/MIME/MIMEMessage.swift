import Foundation
import NotifyProviders

/// Builds the RFC 5322 / MIME text of an `EmailMessage`.
///
/// Text and HTML become `multipart/alternative` (text first, so clients prefer HTML); a single
/// body is a single part. Bodies are quoted-printable, so every line is at most 76 characters
/// and the message is 7-bit clean; headers are folded and non-ASCII subjects and names are
/// RFC 2047 encoded-words. Lines end in CRLF.
public struct MIMEMessage: Sendable, Hashable {
    /// Headers the builder writes itself; extra headers with these names are dropped, so a
    /// template cannot replace the sender or break the MIME structure.
    public static let reservedHeaders: Set<String> = [
        "from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "mime-version",
        "content-type", "content-transfer-encoding",
    ]

    /// The message being built.
    public var email: EmailMessage
    /// The `Date` header's instant.
    public var date: Date
    /// The `Message-ID` without angle brackets, derived from the delivery id.
    public var messageID: String

    /// Creates a builder. `messageIDDomain` defaults to the sender's domain.
    public init(email: EmailMessage, date: Date = Date(), messageIDDomain: String? = nil) {
        self.email = email
        self.date = date
        self.messageID = Self.messageID(
            deliveryID: email.deliveryID, domain: messageIDDomain ?? Self.domain(of: email.from.address))
    }

    /// The full message: headers, blank line, body, CRLF line ends.
    public func render() -> String {
        var headers: [(String, String)] = [
            ("From", MIMEHeader.mailbox(email.from)),
            ("To", MIMEHeader.mailbox(email.to)),
        ]
        if let replyTo = email.replyTo { headers.append(("Reply-To", MIMEHeader.mailbox(replyTo))) }
        headers.append(("Subject", MIMEHeader.encodeText(email.subject)))
        headers.append(("Date", RFC5322Date.format(date)))
        headers.append(("Message-ID", "<\(messageID)>"))
        headers.append(("MIME-Version", "1.0"))
        for header in email.headers
        where MIMEHeader.isValidName(header.name) && !Self.reservedHeaders.contains(header.name.lowercased()) {
            headers.append((header.name, MIMEHeader.encodeText(header.value)))
        }

        var parts: [(type: String, body: String)] = []
        if let text = email.text { parts.append(("text/plain; charset=utf-8", text)) }
        if let html = email.html { parts.append(("text/html; charset=utf-8", html)) }
        if parts.isEmpty { parts.append(("text/plain; charset=utf-8", "")) }

        var body = ""
        if parts.count == 1 {
            headers.append(("Content-Type", parts[0].type))
            headers.append(("Content-Transfer-Encoding", "quoted-printable"))
            body = QuotedPrintable.encode(parts[0].body) + "\r\n"
        } else {
            // "=_" can never occur in quoted-printable output, so the boundary cannot collide.
            let boundary = "=_notify_" + Self.token(messageID)
            headers.append(("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""))
            body = "This is a multi-part message in MIME format.\r\n"
            for part in parts {
                body += "\r\n--\(boundary)\r\n"
                body += "Content-Type: \(part.type)\r\n"
                body += "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                body += QuotedPrintable.encode(part.body)
            }
            body += "\r\n--\(boundary)--\r\n"
        }
        let head = headers.map { MIMEHeader.fold(name: $0.0, value: $0.1) }.joined(separator: "\r\n")
        return head + "\r\n\r\n" + body
    }

    /// `<delivery-id@domain>` with characters outside letters, digits, `-` and `_` replaced.
    static func messageID(deliveryID: String, domain: String) -> String {
        let local = String(
            deliveryID.unicodeScalars.map { scalar -> Character in
                let allowed =
                    scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "-" || scalar == "_")
                return allowed ? Character(scalar) : "-"
            })
        return "\(local.isEmpty ? "message" : local)@\(domain)"
    }

    private static func domain(of address: String) -> String {
        guard let at = address.lastIndex(of: "@") else { return "notify.invalid" }
        let domain = address[address.index(after: at)...].filter {
            $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-")
        }
        return domain.isEmpty ? "notify.invalid" : String(domain)
    }

    /// A short hex token from the message id, so boundaries are stable for one message.
    private static func token(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
