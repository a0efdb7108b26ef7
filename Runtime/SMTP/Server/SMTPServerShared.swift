import Foundation
import Synchronization

/// State the server shares with its session handlers: fault rules, reply delay, counters and
/// the recording stream.
final class SMTPServerShared: Sendable {
    private struct State {
        var rules: [SMTPFaultRule] = []
        var replyDelay: Duration = .zero
        var statistics = SMTPServerStatistics()
        var nextQueueID = 0
    }

    let configuration: SMTPServerConfiguration
    private let state = Mutex(State())
    private let continuation: AsyncStream<SMTPRecordedMessage>.Continuation

    init(configuration: SMTPServerConfiguration, continuation: AsyncStream<SMTPRecordedMessage>.Continuation) {
        self.configuration = configuration
        self.continuation = continuation
    }

    var rules: [SMTPFaultRule] {
        get { state.withLock { $0.rules } }
        set { state.withLock { $0.rules = newValue } }
    }

    var replyDelay: Duration {
        get { state.withLock { $0.replyDelay } }
        set { state.withLock { $0.replyDelay = newValue } }
    }

    var statistics: SMTPServerStatistics { state.withLock { $0.statistics } }

    /// The first rule for this stage matching any of the recipients.
    func fault(at stage: SMTPFaultRule.Stage, for recipients: [String]) -> SMTPFaultRule.Action? {
        let rules = self.rules
        for rule in rules where rule.stage == stage {
            if recipients.contains(where: rule.match.matches) { return rule.action }
        }
        return nil
    }

    func connectionAccepted() -> Int {
        state.withLock {
            $0.statistics.connectionsAccepted += 1
            return $0.statistics.connectionsAccepted
        }
    }

    func noteCommandBatch(_ count: Int) {
        state.withLock { $0.statistics.largestCommandBatch = max($0.statistics.largestCommandBatch, count) }
    }

    func nextQueueID() -> String {
        let number = state.withLock {
            $0.nextQueueID += 1
            return $0.nextQueueID
        }
        return "SBX" + String(number, radix: 16, uppercase: true)
    }

    func record(_ message: SMTPRecordedMessage) {
        state.withLock { $0.statistics.messagesAccepted += 1 }
        continuation.yield(message)
    }

    func finish() {
        continuation.finish()
    }
}
