import Foundation
import NotifyFunctionKit

/// Runs a function once, outside the queue, and describes its output as JSON: the local invoke
/// of `notify invoke`.
public enum FunctionInvoker {
    /// Invokes and returns pretty JSON: `next`, `writes`, `maintenance`, `summary`; or, when the
    /// function threw, `error` with `code`, `kind` and `message`.
    public static func invoke(
        _ entry: FunctionCatalog.Entry, payload: String, context: FunctionContext
    ) async throws
        -> String
    {
        var object: [String: Any] = ["function": entry.name.rawValue]
        do {
            let output = try await entry.invoke(JobPayload(json: payload), context)
            // As a worker would: a next step's input that JSON cannot hold fails the invocation.
            try Worker.encodePayloads(of: output)
            object["next"] = try output.next.map { request -> [String: Any] in
                let json = try request.payload
                var next: [String: Any] = [
                    "function": request.function.rawValue,
                    "payload": (try? JSONSerialization.jsonObject(with: Data(json.utf8))) ?? json,
                ]
                if let lane = request.lane { next["lane"] = lane.description }
                if let runAt = request.runAt { next["run_at"] = ISO8601DateFormatter().string(from: runAt) }
                if let tenant = request.tenantID { next["tenant_id"] = tenant }
                return next
            }
            object["writes"] = output.writes.map { $0.sql }
            object["maintenance"] = output.maintenance.map { "\($0)" }
            if let summary = output.summary {
                object["summary"] = (try? JSONSerialization.jsonObject(with: Data(summary.utf8))) ?? summary
            }
        } catch {
            let kind: String
            switch error.notifyFailureKind {
            case .permanent: kind = "permanent"
            case .rateLimited: kind = "rate_limited"
            case .transient: kind = "transient"
            }
            object["error"] = ["code": error.notifyErrorCode, "kind": kind, "message": Worker.message(of: error)]
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
