import NotifyFunctionKit
import Synchronization
import Testing

/// Records the order in which reads started and finished.
final class ReadTimeline: Sendable {
    private let steps = Mutex<[String]>([])
    func note(_ step: String) { steps.withLock { $0.append(step) } }
    var all: [String] { steps.withLock { $0 } }
}

@Suite("Two independent reads")
struct BothReadsTests {
    @Test("the critical lane runs both reads at once")
    func criticalLaneOverlaps() async throws {
        let timeline = ReadTimeline()
        let context = RequestCoalescerTests.context(.critical)
        let (first, second) = try await context.both(
            {
                timeline.note("first started")
                try await Task.sleep(for: .milliseconds(100))
                timeline.note("first finished")
                return 1
            },
            {
                timeline.note("second started")
                try await Task.sleep(for: .milliseconds(10))
                timeline.note("second finished")
                return "two"
            })
        #expect(first == 1 && second == "two")
        #expect(timeline.all.firstIndex(of: "second finished")! < timeline.all.firstIndex(of: "first finished")!)
    }

    @Test("other lanes read one after the other, so each read joins other jobs' batches")
    func otherLanesAreSequential() async throws {
        let timeline = ReadTimeline()
        let context = RequestCoalescerTests.context(.transactional)
        _ = try await context.both(
            {
                timeline.note("first started")
                try await Task.sleep(for: .milliseconds(50))
                timeline.note("first finished")
            },
            {
                timeline.note("second started")
                timeline.note("second finished")
            })
        #expect(timeline.all == ["first started", "first finished", "second started", "second finished"])
    }

    @Test("a failing read still lets the other finish before the error is thrown")
    func failureWaitsForTheOtherRead() async throws {
        let timeline = ReadTimeline()
        let context = RequestCoalescerTests.context(.critical)
        await #expect(throws: ReadFailed.self) {
            _ = try await context.both(
                {
                    timeline.note("first failed")
                    throw ReadFailed()
                },
                {
                    try await Task.sleep(for: .milliseconds(50))
                    try Task.checkCancellation()
                    timeline.note("second finished")
                })
        }
        #expect(timeline.all == ["first failed", "second finished"])
    }
}
