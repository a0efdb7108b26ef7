import NotifyFunctionKit
import NotifyModel

/// Why a whole notification is refused: recorded on the notification and as a `refused` event.
/// A refused notification of a category that erases content is erased after the category's time,
/// as a sent one is.
struct Refusal: Error, Sendable {
    var code: String
    var message: String

    func output(_ input: ValidateInput) -> FunctionOutput {
        let detail = TimelineWrites.detail(["code": code, "message": message])
        return FunctionOutput(
            writes: [
                """
                UPDATE notify.notifications n
                SET status = 'refused', refusal = \(detail)::jsonb, updated_at = now(),
                    erase_content_at = now() + make_interval(secs => (
                        SELECT c.erase_content_after_seconds FROM notify.categories c
                        WHERE c.tenant_id = n.tenant_id AND c.key = n.category_key))
                WHERE id = \(input.notificationID) AND tenant_id = \(input.tenantID)
                """,
                TimelineWrites.notificationEvent(
                    tenantID: input.tenantID, notificationID: input.notificationID, kind: "refused", detail: detail),
            ],
            summary: #"{"refused":"\#(code)"}"#)
    }
}
