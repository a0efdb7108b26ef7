import Foundation
import NIOCore
import NotifyProviders
import NotifySMTP
import Testing

@Suite("SMTP codec")
struct CodecTests {
    @Test("multi-line replies gather into one reply with every line and the enhanced code")
    func multiLineReply() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.feed("250-mx.example") == nil)
        #expect(try parser.feed("250-PIPELINING") == nil)
        let reply = try #require(try parser.feed("250 SIZE 1000"))
        #expect(reply.code == 250)
        #expect(reply.lines == ["mx.example", "PIPELINING", "SIZE 1000"])
        let rejected = try #require(try parser.feed("550 5.1.1 <a@b> user unknown"))
        #expect(rejected.enhancedCode == "5.1.1")
        #expect(rejected.description == "550 5.1.1")
        #expect(try parser.feed("250") == SMTPReply(code: 250, lines: [""]))
    }

    @Test("malformed replies are errors", arguments: ["hello", "25", "250x", "2a0 ok"])
    func malformed(line: String) {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPProtocolError.self) { try parser.feed(line) }
    }

    @Test("a multi-line reply that changes its code is an error")
    func changingCode() throws {
        var parser = SMTPReplyParser()
        _ = try parser.feed("250-one")
        #expect(throws: SMTPProtocolError.self) { try parser.feed("251 two") }
    }

    @Test("commands render and parse back")
    func commands() {
        let commands: [SMTPCommand] = [
            .ehlo("client.test"), .startTLS, .auth(mechanism: "PLAIN", initialResponse: "AGEAYg=="),
            .mailFrom("a@b.test", parameters: ["SIZE=10"]), .rcptTo("c@d.test"), .data, .rset, .noop, .quit,
        ]
        for command in commands {
            let line = command.wireFormat.replacingOccurrences(of: "\r\n", with: "")
            #expect(SMTPCommand.parse(line) == command, "\(line)")
        }
        #expect(SMTPCommand.parse("mail from: <x@y.test>") == .mailFrom("x@y.test", parameters: []))
        #expect(SMTPCommand.parse("MAIL FROM:x@y.test") == nil)
        #expect(SMTPCommand.parse("VRFY bob") == .unknown(verb: "VRFY"))
    }

    @Test("EHLO capabilities are parsed")
    func capabilities() {
        let reply = SMTPReply(
            code: 250, lines: ["mx", "PIPELINING", "SIZE 31457280", "STARTTLS", "AUTH PLAIN login", "8BITMIME"])
        let capabilities = SMTPCapabilities(ehloReply: reply)
        #expect(capabilities.pipelining && capabilities.startTLS && capabilities.eightBitMIME)
        #expect(capabilities.maximumSize == 31_457_280)
        #expect(capabilities.authMechanisms == ["PLAIN", "LOGIN"])
    }

    @Test("dot-stuffing doubles leading dots, normalises line ends and terminates; unstuffing undoes it")
    func stuffing() {
        let stuffed = DotStuffing.stuff(Array(".a\n..b\r\nc\rd".utf8))
        #expect(String(buffer: stuffed) == "..a\r\n...b\r\nc\r\nd\r\n.\r\n")
        #expect(DotStuffing.unstuff(line: ByteBuffer(string: "..a")).map { String(buffer: $0) } == ".a")
        #expect(DotStuffing.unstuff(line: ByteBuffer(string: ".")) == nil)
        #expect(DotStuffing.unstuff(line: ByteBuffer(string: "x")).map { String(buffer: $0) } == "x")
    }

    private func queueID(_ text: String) -> String? {
        SMTPDeliveryReceipt.queueID(in: SMTPReply(code: 250, lines: [text]))
    }

    @Test("queue ids are read from common 250 replies")
    func queueIDs() {
        #expect(queueID("2.0.0 Ok: queued as 4ZxY12") == "4ZxY12")
        #expect(queueID("OK id=1abc-000X-YZ") == "1abc-000X-YZ")
        #expect(queueID("2.0.0 OK") == nil)
    }
}
