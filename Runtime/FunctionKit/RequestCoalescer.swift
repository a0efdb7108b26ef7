import Synchronization

/// Serves one kind of request (a read, or a commit of writes) for many concurrent jobs with one
/// round trip: requests that arrive while one is under way wait for it to finish and then go out
/// together, in one batch.
///
/// A request that finds it idle goes out at once, alone, so an idle system pays no delay. Under
/// load, each batch carries everything that queued behind the one before it: the batch grows with
/// the load, and the number of statements per job shrinks.
///
/// A caller whose context says it ``CoalescingContext/goesAlone`` never waits behind others: its
/// request goes out alone, at once. Jobs of the critical lane do (and use their own pool).
///
/// A function keeps one coalescer per kind of request for its whole life (it is created with the
/// function), so every job of that function in a process shares it. ``RequestCoalescer`` is the
/// coalescer of functions; the API uses others.
///
/// Its methods are inlinable, so each module that uses one gets code specialised for its types
/// (generic code called across modules looks its types up at run time, on every request).
public final class Coalescer<Request: Sendable, Response: Sendable, Context: CoalescingContext>: Sendable {
    /// Serves `requests`, one response per request and in the same order, through `context` (the
    /// context of the caller whose request leads the batch).
    public typealias Fetch = @Sendable (_ requests: [Request], _ context: Context) async throws -> [Response]

    @usableFromInline enum Ticket: Sendable {
        case served(Result<Response, any Error>)
        case lead
    }

    @usableFromInline struct Waiter {
        @usableFromInline var request: Request
        @usableFromInline var continuation: CheckedContinuation<Ticket, Never>

        @inlinable init(request: Request, continuation: CheckedContinuation<Ticket, Never>) {
            self.request = request
            self.continuation = continuation
        }
    }

    @usableFromInline struct State {
        @usableFromInline var waiting: [Waiter] = []
        @usableFromInline var fetching = 0

        @inlinable init() {}
    }

    @usableFromInline let state = Mutex(State())
    @usableFromInline let fetch: Fetch
    @usableFromInline let maxBatch: Int
    @usableFromInline let maxConcurrentFetches: Int

    /// Creates a coalescer that reads through `fetch`, at most `maxBatch` requests at a time and
    /// with at most `maxConcurrentFetches` reads under way. One (the default) makes the biggest
    /// batches: on a busy machine a second read under way halves each batch and doubles the
    /// statements per job, which cost more CPU than the wait saves (see
    /// infra/performance-history.md, session 32).
    public init(maxBatch: Int = 128, maxConcurrentFetches: Int = 1, fetch: @escaping Fetch) {
        precondition(maxBatch >= 1 && maxConcurrentFetches >= 1)
        self.fetch = fetch
        self.maxBatch = maxBatch
        self.maxConcurrentFetches = maxConcurrentFetches
    }

    /// The response to `request`, read alone or together with other jobs' requests.
    @inlinable public func load(_ request: Request, context: Context) async throws -> Response {
        if context.goesAlone { return try await single(request, context: context) }
        let leads = state.withLock { state in
            guard state.fetching < maxConcurrentFetches else { return false }
            state.fetching += 1
            return true
        }
        if !leads {
            let ticket = await withCheckedContinuation { (continuation: CheckedContinuation<Ticket, Never>) in
                let queued = state.withLock { state in
                    guard state.fetching >= maxConcurrentFetches else {
                        state.fetching += 1
                        return false
                    }
                    state.waiting.append(Waiter(request: request, continuation: continuation))
                    return true
                }
                if !queued { continuation.resume(returning: .lead) }
            }
            if case .served(let result) = ticket { return try result.get() }
        }
        return try await lead(request, context: context)
    }

    /// Reads `request` and what waits behind it, serves the waiters, then hands the read on to
    /// the next waiter (or frees its place).
    @inlinable func lead(_ request: Request, context: Context) async throws -> Response {
        let followers = state.withLock { state -> [Waiter] in
            // Everyone waiting when they fit in one batch (taken whole, without copying them),
            // else the first of them.
            guard state.waiting.count >= maxBatch else { return Self.takeAll(&state.waiting) }
            defer { state.waiting.removeFirst(maxBatch - 1) }
            return Array(state.waiting.prefix(maxBatch - 1))
        }
        var requests: [Request] = []
        requests.reserveCapacity(followers.count + 1)
        requests.append(request)
        // By index: each element's field, not a copy of the whole waiter (a generic struct, copied
        // through its value witnesses).
        for index in followers.indices { requests.append(followers[index].request) }
        let result: Result<[Response], any Error>
        do {
            let responses = try await fetch(requests, context)
            guard responses.count == requests.count else {
                throw FunctionError(
                    .transient, code: "read_mismatch",
                    "a coalesced read returned \(responses.count) responses to \(requests.count) requests")
            }
            result = .success(responses)
        } catch {
            result = .failure(error)
        }
        for index in followers.indices {
            followers[index].continuation.resume(returning: .served(result.map { $0[index + 1] }))
        }
        let next = state.withLock { state -> Waiter? in
            guard !state.waiting.isEmpty else {
                state.fetching -= 1
                return nil
            }
            // The next lead takes everyone else waiting with it when they fit in its batch, so
            // which of them leads changes nothing; the last one leaves the array without
            // shifting the others.
            return state.waiting.count <= maxBatch ? state.waiting.removeLast() : state.waiting.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        return try result.get()[0]
    }

    @inlinable static func takeAll(_ waiting: inout [Waiter]) -> [Waiter] {
        var taken: [Waiter] = []
        swap(&taken, &waiting)
        return taken
    }

    @inlinable func single(_ request: Request, context: Context) async throws -> Response {
        let responses = try await fetch([request], context)
        guard let response = responses.first, responses.count == 1 else {
            throw FunctionError(
                .transient, code: "read_mismatch", "a read returned \(responses.count) responses to 1 request")
        }
        return response
    }
}

/// What a ``Coalescer`` needs to know of its caller.
public protocol CoalescingContext: Sendable {
    /// True when this caller's requests must not wait behind others': they go out alone, at once.
    var goesAlone: Bool { get }
}

extension FunctionContext: CoalescingContext {
    /// Jobs of the critical lane go alone.
    public var goesAlone: Bool { lane == .critical }
}

/// The coalescer of functions: requests of concurrent jobs, each with its job's context.
public typealias RequestCoalescer<Request: Sendable, Response: Sendable> = Coalescer<Request, Response, FunctionContext>
