import Hummingbird
import Logging
import PostgresNIO

/// Makes every error a problem+json answer: ``APIError``s as they are, Hummingbird's own errors
/// (no such route, body too large) with a stable code (a path served with other methods is 405
/// `method_not_allowed` with `Allow`, see ``RouteMethods``), and anything else as a 500 whose details go
/// to the log (without request data), never to the client.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as PostgresTransactionError where error.closureError is APIError {
            throw error.closureError!
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                let allowed = RouteMethods.allowed(on: request.uri.path)
                if !allowed.isEmpty {
                    var headers = HTTPFields()
                    headers[.allow] = allowed.joined(separator: ", ")
                    throw APIError(
                        .methodNotAllowed, code: "method_not_allowed",
                        "\(request.method) is not allowed on \(request.uri.path); use \(RequestEnumValues.alternatives(allowed))",
                        headers: headers)
                }
                throw APIError(
                    .notFound, code: "no_such_route",
                    "no route \(request.method) \(request.uri.path); see /openapi.json")
            case .methodNotAllowed:
                throw APIError(
                    .methodNotAllowed, code: "method_not_allowed",
                    "\(request.method) is not allowed on \(request.uri.path)")
            case .contentTooLarge:
                throw JSONBody.tooLarge
            default:
                throw APIError(error.status, code: "http_error", error.body ?? error.status.reasonPhrase)
            }
        } catch is CancellationError {
            throw APIError(.serviceUnavailable, code: "shutting_down", "the server is shutting down; retry")
        } catch {
            context.logger.error(
                "request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            throw APIError(
                .internalServerError, code: "internal_error",
                "the server failed to handle this request; it was logged with id \(context.id)")
        }
    }
}
