import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization

/// Posts providers' callbacks to the engine, retrying non-2xx answers with backoff.
///
/// Work is queued from request handlers and carried out by `run()`, which owns every task it
/// starts (a discarding task group) and ends when the sandbox shuts down, dropping what is left.
final class CallbackDispatcher: Sendable {
    private let configuration: SandboxConfiguration
    private let logger: Logger
    private let stream: AsyncStream<CallbackJob>
    private let continuation: AsyncStream<CallbackJob>.Continuation
    private let counts = Mutex(CallbackCounts())
    let sendGridBatch: SendGridEventBatch

    init(configuration: SandboxConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: CallbackJob.self)
        self.sendGridBatch = SendGridEventBatch()
    }

    /// Queues callbacks; dropped when the sandbox is shutting down.
    func enqueue(_ job: CallbackJob) {
        guard !job.requests.isEmpty else { return }
        continuation.yield(job)
    }

    /// Delivery counts so far.
    var deliveryCounts: CallbackCounts { counts.withLock { $0 } }

    /// Delivers queued callbacks until `finish()`; in-flight deliveries are then cancelled.
    /// Owns its HTTP client (no redirects, as the providers do not follow them) and shuts it down.
    func run(sendGridFlush: @escaping @Sendable () async -> Void) async {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        await withDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.configuration.sendGridBatchInterval)
                    await sendGridFlush()
                }
            }
            for await job in stream {
                group.addTask { await self.deliver(job, client: client) }
            }
            group.cancelAll()
        }
        try? await client.shutdown()
    }

    /// Stops taking work; `run()` returns once its tasks see the cancellation.
    func finish() {
        continuation.finish()
    }

    private func deliver(_ job: CallbackJob, client: HTTPClient) async {
        for request in job.requests {
            try? await Task.sleep(for: configuration.callbackDelay)
            if Task.isCancelled { return }
            await post(request, client: client)
        }
    }

    private func post(_ callback: CallbackRequest, client: HTTPClient) async {
        var request = HTTPClientRequest(url: callback.url)
        request.method = .POST
        for header in callback.headers { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(ByteBuffer(bytes: callback.body))
        let timeout = TimeAmount.milliseconds(configuration.callbackTimeout.milliseconds)
        for attempt in 1...max(1, configuration.callbackMaxAttempts) {
            if Task.isCancelled { return }
            if let response = try? await client.execute(request, timeout: timeout) {
                _ = try? await response.body.collect(upTo: 1 << 20)
                if (200..<300).contains(response.status.code) {
                    counts.withLock { $0.delivered += 1 }
                    return
                }
            }
            counts.withLock { $0.failedAttempts += 1 }
            guard attempt < configuration.callbackMaxAttempts else { break }
            try? await Task.sleep(for: configuration.callbackRetryBase * (1 << (attempt - 1)))
        }
        counts.withLock { $0.abandoned += 1 }
        logger.debug(
            "callback abandoned", metadata: ["sandbox.callback.path": "\(URL(string: callback.url)?.path ?? "")"])
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
