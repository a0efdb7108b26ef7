/// Gathers reply lines into replies: `250-…` lines continue, a `250 …` line ends the reply.
public struct SMTPReplyParser: Sendable {
    private var pendingCode: Int?
    private var pendingLines: [String] = []

    /// Creates a parser with no partial reply.
    public init() {}

    /// Feeds one line (no CRLF); returns the reply when this line completes it.
    public mutating func feed(_ line: String) throws -> SMTPReply? {
        let utf8 = Array(line.utf8)
        guard utf8.count >= 3, utf8[0...2].allSatisfy({ (48...57).contains($0) }) else {
            throw SMTPProtocolError(code: .malformedReply, message: "A reply line did not start with a code.")
        }
        let code = Int(String(decoding: utf8[0...2], as: UTF8.self))!
        let separator = utf8.count > 3 ? utf8[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw SMTPProtocolError(code: .malformedReply, message: "A reply line had no separator after its code.")
        }
        if let pendingCode, pendingCode != code {
            throw SMTPProtocolError(code: .malformedReply, message: "A multi-line reply changed its code.")
        }
        let text = utf8.count > 4 ? String(decoding: utf8[4...], as: UTF8.self) : ""
        pendingCode = code
        pendingLines.append(text)
        guard separator == UInt8(ascii: " ") else { return nil }
        let reply = SMTPReply(code: code, lines: pendingLines)
        pendingCode = nil
        pendingLines = []
        return reply
    }
}
