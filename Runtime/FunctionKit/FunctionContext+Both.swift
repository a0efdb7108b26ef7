extension FunctionContext {
    /// Runs two independent reads: at once for a job that ``goesAlone`` (the critical lane, where
    /// a one-time passcode's latency is worth a task and a connection more), one after the other
    /// for every other job, whose reads each join a batch of other jobs' reads (see
    /// ``RequestCoalescer``) and cost less CPU that way.
    ///
    /// Both reads are always awaited, also when one throws: a read left behind would be
    /// cancelled, and a coalesced read may be serving other jobs' requests too.
    public func both<First: Sendable, Second: Sendable>(
        _ first: @Sendable () async throws -> First, _ second: @Sendable () async throws -> Second
    ) async throws -> (First, Second) {
        guard goesAlone else { return (try await first(), try await second()) }
        async let secondResult = Self.result(of: second)
        let firstResult = await Self.result(of: first)
        let secondValue = await secondResult
        return (try firstResult.get(), try secondValue.get())
    }

    private static func result<Value>(of read: () async throws -> Value) async -> Result<Value, any Error> {
        do {
            return .success(try await read())
        } catch {
            return .failure(error)
        }
    }
}
