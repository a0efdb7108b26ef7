import Logging
import NotifyRuntime
import Synchronization
import Testing

@Suite struct TextLogHandlerTests {
    /// Collects the lines a handler writes.
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func append(_ line: String) { lines.withLock { $0.append(line) } }
    }

    func logger(level: Logger.Level = .info, into lines: Lines) -> Logger {
        Logger(label: "notify") { label in
            TextLogHandler(label: label, level: level, output: { lines.append($0) })
        }
    }

    @Test func writesStreamLogHandlersFormatWithSortedMetadata() throws {
        let lines = Lines()
        var logger = logger(into: lines)
        logger[metadataKey: "worker"] = "w-1"
        logger[metadataKey: "attempt"] = "2"
        logger.info("job started", metadata: ["job": "7", "attempt": "3"], source: "NotifyRuntime")
        let line = try #require(lines.all.first)
        let pattern =
            #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} info notify: attempt=3 job=7 worker=w-1 \[NotifyRuntime\] job started\n$/#
        #expect(line.wholeMatch(of: pattern) != nil, "\(line)")
    }

    @Test func writesNothingBelowItsLevelAndNoMetadataWhenThereIsNone() throws {
        let lines = Lines()
        let logger = logger(level: .warning, into: lines)
        logger.info("quiet")
        logger.debug("quieter")
        logger.warning("loud", source: "Test")
        #expect(lines.all.count == 1)
        #expect(try #require(lines.all.first).hasSuffix(" warning notify: [Test] loud\n"))
    }

    @Test func laterValuesReplaceEarlierOnesAndErrorsAreNamed() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "broken pipe" } }
        let lines = Lines()
        var logger = logger(into: lines)
        logger[metadataKey: "tenant"] = "a"
        logger[metadataKey: "tenant"] = "b"
        logger.error("failed", error: Broken(), source: "Test")
        let line = try #require(lines.all.first)
        #expect(line.contains(" error.message=broken pipe "))
        #expect(line.contains(" tenant=b [Test] failed"))
        #expect(!line.contains("tenant=a"))
    }
}
