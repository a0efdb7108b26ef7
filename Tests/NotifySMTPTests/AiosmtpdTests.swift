import Foundation
import NotifyProviders
import NotifySMTP
import Testing

/// The client against a real SMTP server nobody in this project wrote (Python's aiosmtpd), with
/// the received MIME parsed by Python's `email` package. CI needs `pip install aiosmtpd`.
@Suite("SMTP client against aiosmtpd", .serialized)
struct AiosmtpdTests {
    /// What `parse_mime.py` prints.
    struct Parsed: Decodable {
        struct Part: Decodable {
            var content_type: String
            var charset: String?
            var transfer_encoding: String?
            var content: String
        }
        var subject: String
        var from_name: String
        var from_address: String
        var to_name: String
        var to_address: String
        var message_id: String
        var date_valid: Bool
        var mime_version: String
        var content_type: String
        var list_unsubscribe: String?
        var list_unsubscribe_post: String?
        var parts: [Part]
        var defects: [String]
        var longest_line: Int
        var bare_line_feeds: Bool
    }

    struct Received: Decodable {
        var path: String
        var mail_from: String
        var rcpt_tos: [String]
        var auth_user: String?
        var tls: Bool
    }

    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python")

    /// A running aiosmtpd with its output folder.
    struct Sink {
        let process: ChildProcess
        let port: Int
        let folder: URL

        static func start(tls: TestCertificate? = nil) async throws -> Sink {
            try await requireAiosmtpd()
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "notify-smtp-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var arguments = [scripts.appendingPathComponent("smtp_sink.py").path, folder.path]
            if let tls {
                let cert = folder.appendingPathComponent("cert.pem")
                let key = folder.appendingPathComponent("key.pem")
                try tls.certificatePEM.write(to: cert, atomically: true, encoding: .utf8)
                try tls.privateKeyPEM.write(to: key, atomically: true, encoding: .utf8)
                arguments += [cert.path, key.path]
            }
            let process = try await ChildProcess.launch(executable: "/usr/bin/env", arguments: ["python3"] + arguments)
            guard let ready = await process.nextLine(startingWith: "READY ", timeout: .seconds(20)),
                let port = Int(ready.dropFirst("READY ".count))
            else {
                await process.terminate()
                throw SetupError("aiosmtpd did not start: \(process.standardError)")
            }
            return Sink(process: process, port: port, folder: folder)
        }

        func nextReceived() async throws -> Received {
            let line = try #require(
                await process.nextLine(startingWith: "RECEIVED ", timeout: .seconds(10)),
                "aiosmtpd did not report a message: \(process.standardError)")
            return try JSONDecoder().decode(Received.self, from: Data(line.dropFirst("RECEIVED ".count).utf8))
        }

        func stop() async {
            await process.terminate()
            try? FileManager.default.removeItem(at: folder)
        }
    }

    /// Fails (does not skip) when python3 or aiosmtpd is missing, naming the fix.
    static func requireAiosmtpd() async throws {
        let result = try await ChildProcess.run(
            executable: "/usr/bin/env", arguments: ["python3", "-c", "import aiosmtpd"], timeout: .seconds(30))
        guard result.status == 0 else {
            throw SetupError(
                "python3 with aiosmtpd is required for these tests: run `pip install aiosmtpd` "
                    + "(python3 -c 'import aiosmtpd' ended with \(result.status.map(String.init) ?? "a timeout"): \(result.stderr))"
            )
        }
    }

    static func parse(_ path: String) async throws -> Parsed {
        let result = try await ChildProcess.run(
            executable: "/usr/bin/env",
            arguments: ["python3", scripts.appendingPathComponent("parse_mime.py").path, path],
            timeout: .seconds(30))
        guard result.status == 0 else { throw SetupError("parse_mime.py failed: \(result.stderr)") }
        return try JSONDecoder().decode(Parsed.self, from: Data(result.stdout.utf8))
    }

    @Test("non-ASCII subject and names, long lines, HTML with = and accents survive Python's email parser")
    func mimeSurvivesRealParser() async throws {
        let sink = try await Sink.start()
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: sink.port))
        let longLine = String(repeating: "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", count: 40)
        let text = "Grüße, Zoë! 👋\nA line with = sign and trailing space \n.starts with a dot\n\(longLine)\nLast line"
        let html =
            "<html><body style=\"color:#333\"><p>Prix: 10 € — <a href=\"https://x.example/?a=1&b=2\">Café</a></p>"
            + "<p>\(longLine)</p></body></html>"
        let subject = "Votre commande n°42 est expédiée — ça arrive bientôt ✅ and a long tail of ASCII words"
        var email = Fixtures.email(
            id: "del-α-42", subject: subject, text: text, html: html,
            headers: [
                EmailHeader(
                    name: "List-Unsubscribe",
                    value:
                        "<https://notify.example/u/\(String(repeating: "T0k3n", count: 12))>, <mailto:unsub@notify.example?subject=T0k3n>"
                ),
                EmailHeader(name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click"),
            ])
        email.from = EmailAddress("bounces@notify.example", name: "Société Générale d'Envoi")
        email.to = EmailAddress("zoe@example.net", name: "Zoë Ünïcödé, Jr.")
        let outcome = await provider.send(.email(email), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(outcome == .accepted(providerMessageID: "PY1"), "\(outcome)")
        let received = try await sink.nextReceived()
        #expect(received.mail_from == "bounces@notify.example")
        #expect(received.rcpt_tos == ["zoe@example.net"])

        let parsed = try await Self.parse(received.path)
        #expect(parsed.subject == subject)
        #expect(parsed.from_name == "Société Générale d'Envoi")
        #expect(parsed.to_name == "Zoë Ünïcödé, Jr.")
        #expect(parsed.to_address == "zoe@example.net")
        #expect(parsed.message_id == "<del---42@notify.example>")
        #expect(parsed.date_valid)
        #expect(parsed.mime_version == "1.0")
        #expect(parsed.content_type == "multipart/alternative")
        #expect(parsed.parts.map(\.content_type) == ["text/plain", "text/html"])
        #expect(parsed.parts.map(\.charset) == ["utf-8", "utf-8"])
        // The parser keeps the wire's CRLF line ends (and the CRLF before a boundary belongs to the
        // boundary); everything else must match byte for byte.
        #expect(parsed.parts.first?.content == text.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(parsed.parts.last?.content == html)
        #expect(parsed.list_unsubscribe == email.headers[0].value)
        #expect(parsed.list_unsubscribe_post == "List-Unsubscribe=One-Click")
        #expect(parsed.defects.isEmpty, "\(parsed.defects)")
        #expect(parsed.longest_line <= 998, "the longest line is \(parsed.longest_line)")
        #expect(!parsed.bare_line_feeds)
        await provider.shutdown()
        await sink.stop()
    }

    @Test("a text-only message is a single text/plain part")
    func singlePart() async throws {
        let sink = try await Sink.start()
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: sink.port))
        let outcome = await provider.send(
            .email(Fixtures.email(subject: "Only text", text: "Just text.", html: nil)), timeout: .seconds(10),
            logger: Fixtures.logger)
        #expect(outcome.providerMessageID != nil, "\(outcome)")
        let parsed = try await Self.parse(try await sink.nextReceived().path)
        #expect(parsed.content_type == "text/plain")
        #expect(parsed.parts.map(\.content) == ["Just text.\r\n"])
        await provider.shutdown()
        await sink.stop()
    }

    @Test("STARTTLS and AUTH LOGIN against aiosmtpd, several messages on one session")
    func tlsAndLogin() async throws {
        let certificate = try TestCertificate()
        let sink = try await Sink.start(tls: certificate)
        var configuration = Fixtures.clientConfiguration(
            port: sink.port, tls: .starttls, username: "py-user", password: "py-secret", mechanism: .login)
        configuration.trustRootsPEM = certificate.certificatePEM
        let provider = try SMTPProvider(configuration: configuration)
        for index in 1...3 {
            let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
            #expect(outcome == .accepted(providerMessageID: "PY\(index)"), "\(outcome)")
            let received = try await sink.nextReceived()
            #expect(received.tls)
            #expect(received.auth_user == "py-user")
        }
        #expect(provider.client.connectionsOpened == 1)

        var wrong = configuration
        wrong.password = "nope"
        let refused = try SMTPProvider(configuration: wrong)
        let outcome = await refused.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(outcome.failure?.kind == .configuration, "\(outcome)")
        await refused.shutdown()
        await provider.shutdown()
        await sink.stop()
    }
}
