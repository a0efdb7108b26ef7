import Testing

@testable import NotifyRuntime

@Suite("Doorbell")
struct DoorbellTests {
    private static func elapsed(_ body: () async -> Void) async -> Duration {
        let started = ContinuousClock.now
        await body()
        return ContinuousClock.now - started
    }

    /// Waits on `doorbell` with `timeout` while another task rings it after `delay`; returns how
    /// long the wait took.
    private static func wait(
        on doorbell: Doorbell, timeout: Duration, ringingAfter delay: Duration
    ) async -> Duration {
        await elapsed {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await doorbell.wait(timeout: timeout) }
                group.addTask {
                    try? await Task.sleep(for: delay)
                    doorbell.ring()
                }
                await group.waitForAll()
            }
        }
    }

    @Test("a ring while nobody waits is remembered for the next wait, once")
    func rememberedOnce() async {
        let doorbell = Doorbell()
        doorbell.ring()
        doorbell.ring()
        let first = await Self.elapsed { await doorbell.wait(timeout: .seconds(30)) }
        #expect(first < .seconds(5))
        let second = await Self.elapsed { await doorbell.wait(timeout: .milliseconds(150)) }
        #expect(second >= .milliseconds(150))
    }

    @Test("a wait ends at its timeout when nobody rings")
    func timeout() async {
        let doorbell = Doorbell()
        let waited = await Self.elapsed { await doorbell.wait(timeout: .milliseconds(100)) }
        #expect(waited >= .milliseconds(100))
        #expect(waited < .seconds(10))
    }

    @Test("a ring wakes the waiter long before its timeout")
    func ringWakes() async {
        let waited = await Self.wait(on: Doorbell(), timeout: .seconds(60), ringingAfter: .milliseconds(50))
        #expect(waited < .seconds(10))
    }

    @Test("the timer of a wait that a ring ended does not end the next wait")
    func staleTimer() async {
        let doorbell = Doorbell()
        _ = await Self.wait(on: doorbell, timeout: .milliseconds(100), ringingAfter: .milliseconds(20))
        let waited = await Self.wait(on: doorbell, timeout: .seconds(60), ringingAfter: .milliseconds(400))
        #expect(waited >= .milliseconds(350))
        #expect(waited < .seconds(10))
    }

    @Test("cancelling the waiting task ends its wait, and a later wait still waits")
    func cancellation() async {
        let doorbell = Doorbell()
        let waiter = Task { await doorbell.wait(timeout: .seconds(60)) }
        try? await Task.sleep(for: .milliseconds(50))
        let waited = await Self.elapsed {
            waiter.cancel()
            await waiter.value
        }
        #expect(waited < .seconds(10))
        let next = await Self.elapsed { await doorbell.wait(timeout: .milliseconds(100)) }
        #expect(next >= .milliseconds(100))
    }
}
