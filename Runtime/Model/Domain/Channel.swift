/// A delivery channel.
public enum Channel: String, Codable, Sendable, CaseIterable, Hashable {
    case email
    case sms
    case push
    case inapp
    case webhook

    /// The function that sends on this channel, such as `send-sms`.
    public var sendFunction: String { "send-\(rawValue)" }

    /// Parses a channel name, with an error that lists the valid ones.
    public static func parse(_ text: String) throws(ModelError) -> Channel {
        guard let channel = Channel(rawValue: text.lowercased()) else {
            throw ModelError(
                code: "unknown_channel",
                "unknown channel \"\(text)\"; use one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return channel
    }
}
