/// A fault the sandbox server injects for matching recipients, changeable while it runs.
public struct SMTPFaultRule: Sendable, Hashable {
    /// Which recipients a rule applies to; comparisons ignore case.
    public enum Match: Sendable, Hashable {
        /// Exactly this address.
        case address(String)
        /// Every address at this domain.
        case domain(String)
        /// Every address containing this text, such as `+bounce`.
        case contains(String)
        /// Every recipient.
        case any

        func matches(_ recipient: String) -> Bool {
            let recipient = recipient.lowercased()
            switch self {
            case .address(let address): return recipient == address.lowercased()
            case .domain(let domain): return recipient.hasSuffix("@" + domain.lowercased())
            case .contains(let text): return recipient.contains(text.lowercased())
            case .any: return true
            }
        }
    }

    /// When the fault fires.
    public enum Stage: Sendable, Hashable {
        /// In answer to `RCPT TO` for the matching recipient.
        case recipient
        /// In answer to the final `.` of a message with a matching recipient.
        case endOfData
    }

    /// What the server does instead of accepting.
    public enum Action: Sendable, Hashable {
        /// Answer with this reply, such as `550 5.1.1 user unknown` or `451 4.3.0 try later`.
        case reply(SMTPReply)
        /// Never answer; the session hangs until the client gives up.
        case noReply
        /// Close the connection without answering.
        case disconnect
    }

    /// Which recipients the rule applies to.
    public var match: Match
    /// When it fires.
    public var stage: Stage
    /// What the server does instead of accepting.
    public var action: Action

    /// Creates a rule.
    public init(match: Match, stage: Stage = .recipient, action: Action) {
        self.match = match
        self.stage = stage
        self.action = action
    }

    /// A rule answering `reply` (for example `"550 5.1.1 user unknown"`) at `stage`; a reply
    /// without a valid three-digit code becomes `451 4.3.0` so a typo cannot accept mail.
    public static func reply(_ reply: String, for match: Match, at stage: Stage = .recipient) -> SMTPFaultRule {
        SMTPFaultRule(match: match, stage: stage, action: .reply(SMTPReply(parsing: reply)))
    }
}

extension SMTPReply {
    /// Parses `"550 5.1.1 user unknown"`; falls back to `451 4.3.0` text when the code is missing.
    public init(parsing text: String) {
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        if let first = parts.first, first.count == 3, let code = Int(first), (200...599).contains(code) {
            self.init(code: code, lines: [parts.count > 1 ? parts[1] : ""])
        } else {
            self.init(code: 451, lines: ["4.3.0 \(text)"])
        }
    }
}
