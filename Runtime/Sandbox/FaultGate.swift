import Hummingbird
import NotifyProviders

/// How a provider answers the faults the sandbox injects, in its own wire format.
protocol ProviderFaultAnswers: Sendable {
    /// The provider.
    var kind: ProviderKind { get }
    /// A full outage (HTTP 503).
    func unavailable() -> Response
    /// A 429 with the provider's rate-limit body and headers, plus Retry-After.
    func rateLimited(retryAfterSeconds: Int) -> Response
    /// An injected server error with the given status (500, 503, …).
    func serverError(status: Int) -> Response
}

extension SandboxCore {
    /// Applies the provider's fault switches to one request: waits out the latency, then returns
    /// the fault's answer, or nil when the request should be handled normally.
    func applyFaults(_ answers: some ProviderFaultAnswers, context: SandboxRequestContext) async -> Response? {
        recorder.noteReceived(answers.kind)
        let decision = faults.decide(for: answers.kind)
        if let delay = decision.delay { await pause(delay) }
        let response: Response
        let code: String
        switch decision.action {
        case .none:
            return nil
        case .unavailable:
            (response, code) = (answers.unavailable(), "fault_unavailable")
        case .rateLimited(let seconds):
            (response, code) = (answers.rateLimited(retryAfterSeconds: seconds), "fault_rate_limited")
        case .serverError(let status):
            (response, code) = (answers.serverError(status: status), "fault_server_error")
        case .closeConnection:
            recordFault(answers.kind, status: "fault_connection_closed", httpStatus: 0)
            return dropConnection(context)
        case .hold(let duration):
            await pause(duration)
            recordFault(answers.kind, status: "fault_timeout", httpStatus: 0)
            return dropConnection(context)
        }
        recordFault(answers.kind, status: code, httpStatus: Int(response.status.code))
        return response
    }

    private func recordFault(_ kind: ProviderKind, status: String, httpStatus: Int) {
        record(RecordedMessage(provider: kind, status: status, httpStatus: httpStatus))
    }

    /// Closes the connection (an HTTP/2 stream is reset) so the client sees no answer.
    private func dropConnection(_ context: SandboxRequestContext) -> Response {
        context.channel.close(promise: nil)
        return Response(status: .serviceUnavailable)
    }
}
