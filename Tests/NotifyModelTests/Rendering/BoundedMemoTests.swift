import NotifyModel
import Testing

@Suite struct BoundedMemoTests {
    struct Refused: Error {}

    @Test func aValueIsMadeOnceAFailureIsNotRememberedAndAFullMemoStartsAgain() throws {
        let memo = BoundedMemo<Int, String>(capacity: 3)
        var made = 0
        #expect(
            memo.value(for: 1) {
                made += 1; return "one"
            } == "one")
        #expect(
            memo.value(for: 1) {
                made += 1; return "other"
            } == "one")
        #expect(made == 1)
        #expect(throws: Refused.self) { try memo.value(for: 2) { () throws(Refused) -> String in throw Refused() } }
        #expect(memo.count == 1)
        for key in 2...4 { _ = memo.value(for: key) { "\(key)" } }
        #expect(memo.count == 1, "the fourth value found the memo full, emptied it and stayed alone")
        #expect(memo.value(for: 1) { "again" } == "again")
    }
}
