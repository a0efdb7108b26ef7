import Testing

@testable import NotifyRuntime

@Suite("Doorbell")
struct DoorbellTests {
    private static func elapsed(_ body: () async -> Void) async -> Duration {
        let started = ContinuousClock.now
        await body()
        return ContinuousClock.now - started
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
        let doorbell = Doorbell()
        let waited = await Self.elapsed {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await doorbell.wait(timeout: .seconds(60)) }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(50))
                    doorbell.ring()
                }
                await group.waitForAll()
            }
        }
        #expect(waited < .seconds(10))
    }

    @Test("the timer of a wait that a ring ended does not end the next wait")
    func staleTimer() async {
        let doorbell = Doorbell()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await doorbell.wait(timeout: .milliseconds(100)) }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(20))
                doorbell.ring()
            }
            await group.waitForAll()
        }
        let waited = await Self.elapsed {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await doorbell.wait(timeout: .seconds(60)) }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(400))
                    doorbell.ring()
                }
                await group.waitForAll()
            }
        }
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
