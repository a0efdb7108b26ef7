import NotifyFunctionKit

extension DeliveryBatch: JSONTextEncodable {
    /// The batch as `JSONEncoder` writes it with sorted keys: every step of every notification
    /// hands one on, so it is written directly.
    public var jsonText: String {
        var text = #"{"channel":"# + Self.quoted(channel.rawValue)
        if let newDeliveries { text += #","new_deliveries":"# + (newDeliveries ? "true" : "false") }
        text += #","notification_id":""# + notificationID.uuidString + #"","tenant_id":"# + Self.quoted(tenantID)
        if let timedFallback { text += #","timed_fallback":"# + (timedFallback ? "true" : "false") }
        text += #","user_ids":["#
        for (index, userID) in userIDs.enumerated() {
            if index > 0 { text += "," }
            text += String(userID)
        }
        return text + "]}"
    }

    /// A JSON string as `JSONEncoder` writes it by default: slashes escaped too.
    private static func quoted(_ text: String) -> String {
        let quoted = JSONQuoting.quoted(text)
        return quoted.utf8.contains(UInt8(ascii: "/")) ? quoted.replacing("/", with: #"\/"#) : quoted
    }
}
