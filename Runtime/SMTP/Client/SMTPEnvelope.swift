/// The SMTP envelope of one transaction: the reverse path and the recipients.
public struct SMTPEnvelope: Sendable, Hashable {
    /// `MAIL FROM`, the address bounces go to.
    public var from: String
    /// One `RCPT TO` each.
    public var recipients: [String]

    /// Creates an envelope.
    public init(from: String, recipients: [String]) {
        self.from = from
        self.recipients = recipients
    }
}

/// What the server said when it accepted a message.
public struct SMTPDeliveryReceipt: Sendable, Hashable {
    /// The 250 reply to the end of DATA.
    public var reply: SMTPReply
    /// The server's queue id from the reply (`queued as ABC123`, `id=…`), when it gave one.
    public var queueID: String?
    /// Recipients refused at RCPT while others were accepted, with the server's reply.
    public var rejectedRecipients: [String: SMTPReply]
    /// Whether the session that carried the message was reused from an earlier send.
    public var reusedConnection: Bool

    /// Creates a receipt.
    public init(
        reply: SMTPReply, queueID: String?, rejectedRecipients: [String: SMTPReply] = [:],
        reusedConnection: Bool = false
    ) {
        self.reply = reply
        self.queueID = queueID
        self.rejectedRecipients = rejectedRecipients
        self.reusedConnection = reusedConnection
    }

    /// Finds a queue id in reply text: Postfix `queued as X`, Exim `id=X`, or `<X>` tokens.
    public static func queueID(in reply: SMTPReply) -> String? {
        let text = reply.lines.joined(separator: " ")
        let words = text.split(separator: " ").map(String.init)
        for (index, word) in words.enumerated() {
            if word.lowercased() == "as", index > 0, words[index - 1].lowercased() == "queued", index + 1 < words.count
            {
                return clean(words[index + 1])
            }
            if word.lowercased().hasPrefix("id=") { return clean(String(word.dropFirst(3))) }
        }
        return nil
    }

    private static func clean(_ token: String) -> String? {
        let trimmed = token.trimming(["<", ">", "(", ")", ",", ";", "."])
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension String {
    func trimming(_ set: Set<Character>) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
