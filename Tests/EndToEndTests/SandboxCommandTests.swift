import Foundation
import NIOHTTP1
import NotifyPrivateCluster
import NotifyTestSupport
import Testing

/// `notify sandbox messages|counts|faults` as a developer runs them: they reach the sandbox of
/// the `notify dev` of their folder whatever its port, say which URL they tried and why when
/// nothing answers, and refuse fault settings that make no sense in one line.
@Suite("notify sandbox commands", .timeLimit(.minutes(3)))
struct SandboxCommandTests {
    func run(_ arguments: [String], folder: String) async throws -> (status: Int32, log: String) {
        let process = try await NotifyProcess.start(
            arguments, databaseURL: nil, environment: ["NOTIFY_DATA_DIR": folder])
        let status = await process.waitForExit()
        return (status, process.log)
    }

    func faults(_ base: String, _ provider: String) async throws -> [String: Any] {
        let reply = try await PipelineProcessTests.call(.GET, base + "/sandbox/faults/" + provider)
        return try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any] ?? [:]
    }

    static func folder() -> String { NSTemporaryDirectory() + "notify-sandbox-cli-\(UUID().uuidString)" }

    @Test("--url, then the URL notify dev recorded, then the default; an unreachable one is named with its source")
    func findsTheSandbox() async throws {
        let folder = Self.folder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let port = try LoopbackPort.pickFree()
        let sandbox = try await NotifyProcess.start(
            ["sandbox", "serve", "--port", String(port), "--apns-port", "0", "--smtp-port", "0"], databaseURL: nil)
        defer { sandbox.signal(SIGKILL) }
        let base = "http://127.0.0.1:\(port)"
        let up = await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
            (try? await PipelineProcessTests.call(.GET, base + "/sandbox/counts"))?.status == 200
        }
        #expect(up, "\(sandbox.log)")
        let file = folder + "/sandbox-url"

        // The URL a notify dev recorded is used without --url.
        try "\(base)\n".write(toFile: file, atomically: true, encoding: .utf8)
        let set = try await run(["sandbox", "faults", "twilio", "--set", #"{"error_rate": 0.5}"#], folder: folder)
        #expect(set.status == 0, "\(set.log)")
        #expect(try await faults(base, "twilio")["error_rate"] as? Double == 0.5)
        let counts = try await run(["sandbox", "counts", "--json"], folder: folder)
        #expect(counts.status == 0, "\(counts.log)")

        // Nothing listens on `closed`: each source is named.
        let closed = "http://127.0.0.1:\(try LoopbackPort.pickFree())"
        let option = try await run(["sandbox", "counts", "--url", closed], folder: folder)
        #expect(option.status == 1)
        #expect(
            option.log.contains("error: cannot reach the sandbox at \(closed) (from --url): check the URL"),
            "\(option.log)")
        try "\(closed)\n".write(toFile: file, atomically: true, encoding: .utf8)
        let recorded = try await run(["sandbox", "messages"], folder: folder)
        #expect(recorded.status == 1)
        #expect(
            recorded.log.contains(
                "error: cannot reach the sandbox at \(closed) (recorded by `notify dev` in \(file)): start `notify dev` again"
            ), "\(recorded.log)")
        // --url wins over the file.
        #expect(try await run(["sandbox", "counts", "--url", base], folder: folder).status == 0)

        try FileManager.default.removeItem(atPath: file)
        let standard = try await run(["sandbox", "counts"], folder: folder)
        if standard.status != 0 {  // unless some sandbox does listen on the default port here
            #expect(
                standard.log.contains(
                    "error: cannot reach the sandbox at http://127.0.0.1:4010 (the default; no `notify dev` recorded one in \(file))"
                ), "\(standard.log)")
        }
    }

    @Test("faults --set refuses an unknown key, a number out of range and an unknown mode in one line")
    func refusesBadFaultSettings() async throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let port = try LoopbackPort.pickFree()
        let sandbox = try await NotifyProcess.start(
            ["sandbox", "serve", "--port", String(port), "--apns-port", "0", "--smtp-port", "0"], databaseURL: nil)
        defer { sandbox.signal(SIGKILL) }
        let base = "http://127.0.0.1:\(port)"
        let up = await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
            (try? await PipelineProcessTests.call(.GET, base + "/sandbox/counts"))?.status == 200
        }
        #expect(up, "\(sandbox.log)")
        let set = try await run(
            ["sandbox", "faults", "sendgrid", "--url", base, "--set", #"{"rate_limit": {"every_nth": 3}}"#],
            folder: folder)
        #expect(set.status == 0, "\(set.log)")
        for (json, message) in [
            (
                #"{"eror_rate": 0.5}"#,
                #"unknown fault setting "eror_rate"; use latency, error_rate, error_status, rate_limit, outage or timeout"#
            ),
            (#"{"error_rate": 5}"#, "error_rate must be between 0 and 1, not 5"),
            (#"{"outage": {"mode": "sometimes"}}"#, #"outage.mode must be unavailable or close, not "sometimes""#),
        ] {
            let refused = try await run(
                ["sandbox", "faults", "sendgrid", "--url", base, "--set", json], folder: folder)
            #expect(refused.status == 64, "\(json): \(refused.log)")
            #expect(refused.log.hasPrefix("Error: --set: \(message)\nUsage: notify sandbox faults"), "\(json)")
        }
        let kept = try await faults(base, "sendgrid")
        #expect((kept["rate_limit"] as? [String: Any])?["every_nth"] as? Int == 3, "refusals change nothing: \(kept)")

        // The same check for a faults file given to `notify sandbox serve`.
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/faults.json"
        try #"{"twilio": {"error_rate": 5}}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let serve = try await run(
            ["sandbox", "serve", "--port", "0", "--apns-port", "0", "--smtp-port", "0", "--faults", file],
            folder: folder)
        #expect(serve.status == 64, "\(serve.log)")
        #expect(
            serve.log.hasPrefix("Error: --faults \(file): twilio.error_rate must be between 0 and 1, not 5"),
            "\(serve.log)")

        // A port another process holds is said in those words, not as a sandbox that "stopped".
        let taken = try await run(
            ["sandbox", "serve", "--port", String(port), "--apns-port", "0", "--smtp-port", "0"], folder: folder)
        #expect(taken.status == 1, "\(taken.log)")
        #expect(taken.log.contains("Error: a port this command listens on is already in use"), "\(taken.log)")

        let help = try await run(["sandbox", "--help"], folder: folder)
        let overview = help.log.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(overview.contains("(Twilio, Vonage, SendGrid, SMTP, FCM, APNs on loopback)"), "\(help.log)")
    }

    @Test("notify dev records its sandbox's URL in .notify/sandbox-url and removes it on exit")
    func devRecordsItsSandbox() async throws {
        let database = try await TestCluster.freshDatabase().secretURLString
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let sandboxPort = try LoopbackPort.pickFree()
        let dev = try await NotifyProcess.start(
            [
                "dev", "--port", String(try LoopbackPort.pickFree()), "--sandbox-port", String(sandboxPort),
                "--sandbox-apns-port", String(try LoopbackPort.pickFree()),
                "--sandbox-smtp-port", String(try LoopbackPort.pickFree()),
            ], databaseURL: database, environment: ["NOTIFY_DATA_DIR": folder])
        defer { dev.signal(SIGKILL) }
        let file = folder + "/sandbox-url"
        let recorded = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            FileManager.default.fileExists(atPath: file)
        }
        #expect(recorded, "\(dev.log.suffix(3000))")
        let url = try String(contentsOfFile: file, encoding: .utf8)
        #expect(url == "http://127.0.0.1:\(sandboxPort)\n")

        let set = try await run(["sandbox", "faults", "apns", "--set", #"{"error_rate": 0.25}"#], folder: folder)
        #expect(set.status == 0, "\(set.log)")
        let base = "http://127.0.0.1:\(sandboxPort)"
        #expect(try await faults(base, "apns")["error_rate"] as? Double == 0.25, "the dev's sandbox, not port 4010")

        dev.signal(SIGTERM)
        #expect(await dev.waitForExit() == 0, "\(dev.log.suffix(3000))")
        #expect(!FileManager.default.fileExists(atPath: file), "the file goes with the sandbox")
    }
}
