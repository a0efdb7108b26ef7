import Hummingbird
import NotifyRuntime

/// Runs request handling on the API's own executor (``NotifyRuntime/DedicatedExecutor/api``), so
/// that a request, a one-time passcode's above all, is not queued behind the work of the workers
/// in the same process.
struct DedicatedExecutorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let executor = DedicatedExecutor.api else { return try await next(request, context) }
        return try await withTaskExecutorPreference(executor) { try await next(request, context) }
    }
}
