import Foundation
import NotifyProviders
import NotifySMTP
import Testing

/// The recording server against a client nobody in this project wrote: Python's smtplib.
@Suite("Recording server against smtplib")
struct SmtplibClientTests {
    struct Result: Decodable {
        var refused: [String: Int]
        var noop: Int
    }

    @Test("smtplib logs in, gets one recipient refused by a rule, and the message arrives unstuffed")
    func smtplibClient() async throws {
        let server = try await Fixtures.startServer(
            credentials: ["app": "pw"], rules: [.reply("550 5.1.1 user unknown", for: .address("bad@example.net"))])
        let script = AiosmtpdTests.scripts.appendingPathComponent("smtplib_client.py").path
        let run = try await ChildProcess.run(
            executable: "/usr/bin/env", arguments: ["python3", script, "\(server.port!)"], timeout: .seconds(30))
        #expect(run.status == 0, "smtplib_client.py failed: \(run.stderr)")
        let result = try JSONDecoder().decode(Result.self, from: Data(run.stdout.utf8))
        #expect(result.refused == ["bad@example.net": 550])
        #expect(result.noop == 250)
        let message = try #require(await Fixtures.nextMessage(server))
        #expect(message.recipients == ["ok@example.net"])
        #expect(message.authenticatedUser == "app")
        #expect(message.text.hasSuffix("\r\n.a line starting with a dot\r\n..two dots\r\nend\r\n"))
        await server.stop()
    }

    @Test("RFC 4616's AUTH PLAIN example (an authorization identity, then test/1234) logs in; a changed byte does not")
    func rfcPlainExample() async throws {
        let script = AiosmtpdTests.scripts.appendingPathComponent("smtplib_client.py").path
        for (password, expected) in [("1234", 235), ("1235", 535)] {
            let server = try await Fixtures.startServer(credentials: ["test": password])
            let run = try await ChildProcess.run(
                executable: "/usr/bin/env", arguments: ["python3", script, "\(server.port!)", "rfc-plain"],
                timeout: .seconds(30))
            #expect(run.status == 0, "smtplib_client.py failed: \(run.stderr)")
            let reply = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Int]
            #expect(reply?["auth"] == expected, "password \(password)")
            await server.stop()
        }
    }
}
