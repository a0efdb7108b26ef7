import Hummingbird
import Logging
import NotifyRuntime
import PostgresNIO

/// Makes every error a problem+json answer: ``APIError``s as they are, Hummingbird's own errors
/// (no such route, body too large) with a stable code (a path served with other methods is 405
/// `method_not_allowed` with `Allow`, see ``RouteMethods``), and anything else as a 500 whose details go
/// to the log (without request data: the route's pattern and ``LogSafeError``'s description),
/// never to the client.
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
        } catch let error where Self.isUnstorableText(error) {
            throw APIError(
                .badRequest, code: "invalid_text",
                "a text in the request holds a character that cannot be stored (such as \\u0000); remove it")
        } catch is CancellationError {
            throw APIError(.serviceUnavailable, code: "shutting_down", "the server is shutting down; retry")
        } catch {
            // The route's pattern, not the path: a path names users (`/v1/users/{user}`), and a
            // tenant's user ids may be e-mail addresses.
            context.logger.error(
                "request failed",
                metadata: [
                    "route": "\(request.method) \(context.endpointPath ?? "unmatched")",
                    "error": "\(LogSafeError.describe(error))",
                ])
            throw APIError(
                .internalServerError, code: "internal_error",
                "the server failed to handle this request; it was logged with id \(context.id)")
        }
    }

    /// PostgreSQL refused a text of the request: a NUL character in a `text` column (22021) or
    /// a `\u0000` escape in a `jsonb` value (22P05). The caller's input, so a 400, not a 500.
    static func isUnstorableText(_ error: any Error) -> Bool {
        let error = (error as? PostgresTransactionError)?.closureError ?? error
        guard let state = (error as? PSQLError)?.serverInfo?[.sqlState] else { return false }
        return state == "22021" || state == "22P05"
    }
}
