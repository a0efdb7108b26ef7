/// How an SMS is encoded on the air interface.
public enum SMSEncoding: String, Codable, Sendable, Hashable, CaseIterable {
    /// The GSM 03.38 7-bit default alphabet (160 characters per single message).
    case gsm7
    /// UCS-2 / UTF-16 (70 code units per single message), used when any character is outside GSM-7.
    case ucs2
}
