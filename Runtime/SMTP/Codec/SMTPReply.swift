/// One SMTP reply: a three-digit code, an optional enhanced status code (RFC 3463) and the text
/// of every line.
///
/// A multi-line reply (`250-…` lines ending with `250 …`) is one `SMTPReply` whose `lines` hold
/// the text after the code and separator of each line.
public struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    /// The reply code, such as `250` or `550`.
    public var code: Int
    /// The enhanced status code of the first line, such as `5.1.1`, when the server sent one.
    public var enhancedCode: String?
    /// The text of each line, without the code and separator.
    public var lines: [String]

    /// Creates a reply; `enhancedCode` is parsed from the first line when not given.
    public init(code: Int, lines: [String], enhancedCode: String? = nil) {
        self.code = code
        self.lines = lines.isEmpty ? [""] : lines
        self.enhancedCode = enhancedCode ?? Self.parseEnhancedCode(self.lines[0])
    }

    /// The first digit: 2 success, 3 intermediate, 4 transient failure, 5 permanent failure.
    public var codeClass: Int { code / 100 }

    /// Whether the reply is a 2yz success.
    public var isPositiveCompletion: Bool { codeClass == 2 }

    /// The reply as it goes on the wire, CRLF after every line.
    public var wireFormat: String {
        var out = ""
        for (index, line) in lines.enumerated() {
            let separator = index == lines.count - 1 ? " " : "-"
            out += "\(code)\(separator)\(line)\r\n"
        }
        return out
    }

    /// Code and enhanced code only: reply text can carry addresses, so it stays out of logs.
    public var description: String {
        if let enhancedCode { return "\(code) \(enhancedCode)" }
        return "\(code)"
    }

    /// Parses `x.y.z` at the start of a reply line (class 2, 4 or 5; subject and detail 1–3 digits).
    static func parseEnhancedCode(_ text: String) -> String? {
        guard let token = text.split(separator: " ", maxSplits: 1).first else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, ["2", "4", "5"].contains(parts[0]) else { return nil }
        for part in parts.dropFirst() {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit) else { return nil }
        }
        return String(token)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
