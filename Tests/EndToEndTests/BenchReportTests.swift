import Foundation
import NotifyTestSupport
import Testing

/// What a benchmark report says about the build that produced it.
@Suite("benchmark reports", .timeLimit(.minutes(3)))
struct BenchReportTests {
    @Test("a report names how the binary carries the Swift runtime: shared for the usual build")
    func namesTheSwiftRuntimeLink() async throws {
        let url = try await TestCluster.freshDatabase()
        let result = try await NotifyProcess.run(
            BenchKeepDatabaseTests.tinyRun + ["--json"], databaseURL: url.secretURLString)
        #expect(result.status == 0, "\(result.log)")
        let report = try #require(Self.report(in: result.log), "no JSON report in: \(result.log)")
        let settings = try #require(report["settings"] as? [String: Any], "\(report)")
        // The tests run a build that loads libswiftCore.so (`swift build` without
        // --static-swift-stdlib), and the report says so.
        #expect(settings["swift_runtime"] as? String == "shared", "\(settings)")
        #expect(settings["server_version"] != nil, "the server's settings are still there: \(settings)")
    }

    /// The pretty-printed JSON object in a command's output, which also holds its log lines.
    static func report(in output: String) -> [String: Any]? {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "{"), let end = lines[start...].firstIndex(of: "}") else { return nil }
        let text = lines[start...end].filter { !$0.hasPrefix("20") }.joined(separator: "\n")
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }
}
