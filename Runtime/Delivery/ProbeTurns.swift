import Synchronization

/// Which of a batch's messages each account's next circuit probe takes: the probes of one
/// account go through the messages in turn, so a probe that keeps taking one that always fails
/// (a device whose token is refused, say) cannot keep the circuit from closing while another
/// would succeed.
final class ProbeTurns: Sendable {
    private let turns = Mutex<[String: Int]>([:])

    /// The index, among `count` candidates, that the account's next probe takes.
    func next(for accountID: String, among count: Int) -> Int {
        guard count > 1 else { return 0 }
        return turns.withLock { turns in
            let turn = turns[accountID, default: 0]
            turns[accountID] = turn &+ 1
            return turn % count
        }
    }
}
