import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Runs one provider request on the shared client with a deadline, and turns network errors into
/// `ProviderFailure`s: before the request went out they are transient, after it they are
/// unknown outcomes.
enum HTTPExchange {
    /// The most of a response body that is read.
    static let maximumResponseBytes = 1 << 20

    static func perform(
        _ request: ProviderHTTPRequest, on client: HTTPClient, deadline: ContinuousClock.Instant,
        tlsConfiguration: TLSConfiguration? = nil, logger: Logger
    ) async -> Result<ProviderHTTPResponse, ProviderFailure> {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else {
            return .failure(
                ProviderFailure(
                    kind: .transient, code: "network_timeout", message: "No time was left to send the request."))
        }
        let sent = SentFlag()
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        outgoing.headers = request.headers
        outgoing.tlsConfiguration = tlsConfiguration
        outgoing.body = .stream(
            TrackedBody(bytes: ByteBuffer(bytes: request.body), flag: sent), length: .known(Int64(request.body.count)))
        // The HTTP client logs URLs at debug level; URLs can carry device tokens, so keep it quiet.
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .info)
        do {
            let response = try await client.execute(
                outgoing, timeout: .nanoseconds(remaining.nanoseconds), logger: quiet)
            // The client's deadline ends with the response head; the body gets the rest of it. A
            // body that does not arrive in time (or is too large) is classified as empty: the
            // status and headers still say what happened.
            let body = await collectBody(response, deadline: deadline)
            return .success(
                ProviderHTTPResponse(status: Int(response.status.code), headers: response.headers, body: body))
        } catch {
            return .failure(NetworkFailure.classify(error, requestSent: sent.isSet))
        }
    }
}

extension HTTPExchange {
    static func collectBody(_ response: HTTPClientResponse, deadline: ContinuousClock.Instant) async -> [UInt8] {
        await withTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                guard var buffer = try? await response.body.collect(upTo: maximumResponseBytes) else { return [] }
                return buffer.readBytes(length: buffer.readableBytes) ?? []
            }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? []
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled &+ attoseconds / 1_000_000_000
    }
}

/// Set once the HTTP client starts pulling the request body, which it does after the request
/// head was written: from then on the provider may act on the request.
final class SentFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

/// A one-buffer request body that records when it is read.
struct TrackedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let bytes: ByteBuffer
    let flag: SentFlag

    struct AsyncIterator: AsyncIteratorProtocol {
        var bytes: ByteBuffer?
        let flag: SentFlag

        mutating func next() async -> ByteBuffer? {
            flag.set()
            defer { bytes = nil }
            return bytes
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes, flag: flag) }
}
