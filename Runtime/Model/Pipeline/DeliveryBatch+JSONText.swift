import NotifyFunctionKit

extension DeliveryBatch: JSONTextEncodable {
    /// The batch as `JSONEncoder` writes it with sorted keys: every step of every notification
    /// hands one on, so it is written directly.
    public var jsonText: String {
        var text = #"{"channel":"#
        text.reserveCapacity(128 + tenantID.utf8.count + 12 * userIDs.count)
        Self.append(channel.rawValue, to: &text)
        if let newDeliveries { text += newDeliveries ? #","new_deliveries":true"# : #","new_deliveries":false"# }
        text += #","notification_id":""#
        text += notificationID.uuidString
        text += #"","tenant_id":"#
        Self.append(tenantID, to: &text)
        if let timedFallback { text += timedFallback ? #","timed_fallback":true"# : #","timed_fallback":false"# }
        text += #","user_ids":["#
        for (index, userID) in userIDs.enumerated() {
            if index > 0 { text += "," }
            text += String(userID)
        }
        text += "]}"
        return text
    }

    /// Appends a JSON string as `JSONEncoder` writes it by default: slashes escaped too.
    private static func append(_ value: String, to text: inout String) {
        guard value.utf8.contains(UInt8(ascii: "/")) else {
            JSONQuoting.append(value, to: &text)
            return
        }
        text += JSONQuoting.quoted(value).replacing("/", with: #"\/"#)
    }
}
