import NotifyFunctionKit
import NotifyModel

/// Why a whole notification is refused: recorded on the notification and as a `refused` event.
struct Refusal: Error, Sendable {
    var code: String
    var message: String

    func output(_ input: ValidateInput) -> FunctionOutput {
        let detail = TimelineWrites.detail(["code": code, "message": message])
        return FunctionOutput(
            writes: [
                """
                UPDATE notify.notifications SET status = 'refused', refusal = \(detail)::jsonb, updated_at = now()
                WHERE id = \(input.notificationID) AND tenant_id = \(input.tenantID)
                """,
                TimelineWrites.notificationEvent(
                    tenantID: input.tenantID, notificationID: input.notificationID, kind: "refused", detail: detail),
            ],
            summary: #"{"refused":"\#(code)"}"#)
    }
}
