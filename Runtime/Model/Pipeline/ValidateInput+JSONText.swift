import Foundation
import NotifyFunctionKit

extension ValidateInput: JSONTextDecodable {
    /// The input of a notification's first `validate` job, as `notify.send` and the API write it:
    /// `{"tenant_id": "…", "notification_id": "…"}`. Anything else, a continuation's `cursor`
    /// among them (a 64-bit integer the decoder reads exactly), is left to the decoder.
    public static func directlyDecoded(from text: String) -> ValidateInput? {
        guard let members = try? JSONValue.object(parsing: text),
            case .string(let tenantID)? = members["tenant_id"],
            case .string(let notification)? = members["notification_id"],
            let notificationID = UUID(uuidString: notification)
        else { return nil }
        switch members["cursor"] {
        case nil, .null?: return ValidateInput(tenantID: tenantID, notificationID: notificationID)
        default: return nil
        }
    }
}
