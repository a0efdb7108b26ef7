import Foundation
import NotifyProviders
import NotifySMTP
import Testing

@Suite("MIME builder")
struct MIMEMessageTests {
    static let date = Date(timeIntervalSince1970: 1_796_142_892)  // Tue, 01 Dec 2026 16:34:52 UTC

    @Test("quoted-printable keeps lines at 76, escapes = and non-ASCII, protects trailing spaces")
    func quotedPrintable() {
        let encoded = QuotedPrintable.encode(String(repeating: "é=x ", count: 60) + "\nend ")
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76, "\(line)")
        }
        #expect(encoded.hasSuffix("\r\nend=20"))
        #expect(encoded.hasPrefix("=C3=A9=3Dx =C3=A9"))
        #expect(!encoded.contains("\n\n"))
    }

    @Test("non-ASCII headers become encoded-words of at most 75 characters")
    func encodedWords() {
        let encoded = MIMEHeader.encodeText(String(repeating: "Grüße ", count: 20))
        let words = encoded.split(separator: " ")
        #expect(words.count > 1)
        for word in words {
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            #expect(word.count <= 75)
        }
        #expect(MIMEHeader.encodeText("Plain ASCII") == "Plain ASCII")
        #expect(MIMEHeader.encodeText("looks =?like?= a word").hasPrefix("=?UTF-8?B?"))
    }

    @Test("display names are quoted or encoded")
    func mailboxes() {
        #expect(MIMEHeader.mailbox(EmailAddress("a@b.test", name: "Ada")) == "Ada <a@b.test>")
        #expect(MIMEHeader.mailbox(EmailAddress("a@b.test", name: "Lovelace, Ada")) == "\"Lovelace, Ada\" <a@b.test>")
        #expect(MIMEHeader.mailbox(EmailAddress("a@b.test", name: "Zoë")).hasPrefix("=?UTF-8?B?"))
        #expect(MIMEHeader.mailbox(EmailAddress("a@b.test")) == "<a@b.test>")
    }

    @Test("long headers fold before spaces and unfold to the same value")
    func folding() {
        let value = (0..<30).map { "word\($0)" }.joined(separator: " ")
        let folded = MIMEHeader.fold(name: "Subject", value: value)
        let lines = folded.components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        #expect(folded.replacingOccurrences(of: "\r\n", with: "") == "Subject: " + value)
    }

    @Test("the message has the RFC 5322 headers, CRLF everywhere and both parts in order")
    func structure() {
        let email = EmailMessage(
            deliveryID: "dlv_123", from: EmailAddress("n@notify.example", name: "Notify"),
            to: EmailAddress("a@b.test"), replyTo: EmailAddress("help@notify.example"), subject: "Hi",
            html: "<b>x</b>", text: "x")
        let rendered = MIMEMessage(email: email, date: Self.date).render()
        #expect(rendered.contains("Date: Tue, 01 Dec 2026 16:34:52 +0000\r\n"))
        #expect(rendered.contains("Message-ID: <dlv_123@notify.example>\r\n"))
        #expect(rendered.contains("Reply-To: <help@notify.example>\r\n"))
        #expect(rendered.contains("MIME-Version: 1.0\r\n"))
        let plain = rendered.range(of: "Content-Type: text/plain")!
        let html = rendered.range(of: "Content-Type: text/html")!
        #expect(plain.lowerBound < html.lowerBound)
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(rendered.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
    }

    @Test("extra headers cannot inject lines or replace structural headers")
    func headerInjection() {
        let email = EmailMessage(
            deliveryID: "d", from: EmailAddress("n@notify.example"), to: EmailAddress("a@b.test"),
            subject: "Hi\r\nBcc: evil@x.test", html: nil, text: "x",
            headers: [
                EmailHeader(name: "X-Tag", value: "a\r\nBcc: evil@x.test"),
                EmailHeader(name: "From", value: "ceo@bank.test"),
                EmailHeader(name: "Bad Name", value: "v"),
            ])
        let rendered = MIMEMessage(email: email, date: Self.date).render()
        #expect(!rendered.contains("\r\nBcc:"))
        #expect(!rendered.contains("ceo@bank.test"))
        #expect(!rendered.contains("Bad Name"))
        #expect(rendered.contains("X-Tag: a Bcc: evil@x.test\r\n"))
    }

    @Test("a single body is a single part")
    func singlePart() {
        let email = EmailMessage(
            deliveryID: "d", from: EmailAddress("n@notify.example"), to: EmailAddress("a@b.test"), subject: "Hi",
            html: "<p>only html</p>", text: nil)
        let rendered = MIMEMessage(email: email, date: Self.date).render()
        #expect(
            rendered.contains(
                "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"))
        #expect(!rendered.contains("multipart"))
    }
}

@Suite("MIME line limits")
struct MIMELineLimitTests {
    @Test("a header word too long to fold is encoded so no line passes 998 bytes")
    func unfoldableWord() {
        let email = EmailMessage(
            deliveryID: "d", from: EmailAddress("n@notify.example"), to: EmailAddress("a@b.test"),
            subject: String(repeating: "x", count: 2_000), html: nil, text: String(repeating: "y", count: 5_000))
        let rendered = MIMEMessage(email: email).render()
        #expect(rendered.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
        #expect(rendered.contains("Subject: =?UTF-8?B?"))
    }
}
