/// The ESMTP extensions a server advertised in its EHLO reply.
public struct SMTPCapabilities: Sendable, Hashable {
    /// RFC 2920: commands may be sent in groups without waiting for each reply.
    public var pipelining = false
    /// RFC 3207: the server offers STARTTLS.
    public var startTLS = false
    /// SASL mechanisms from `AUTH`, upper-cased.
    public var authMechanisms: Set<String> = []
    /// RFC 1870: the largest message the server accepts, when it said (0 means no limit).
    public var maximumSize: Int?
    /// RFC 6152: the server accepts 8-bit bodies.
    public var eightBitMIME = false
    /// RFC 2034: replies carry enhanced status codes.
    public var enhancedStatusCodes = false

    /// Creates empty capabilities (a server that answered HELO only).
    public init() {}

    /// Parses the lines of a 250 reply to EHLO; the first line is the server's greeting name.
    public init(ehloReply: SMTPReply) {
        for line in ehloReply.lines.dropFirst() {
            let words = line.split(separator: " ").map { $0.uppercased() }
            guard let keyword = words.first else { continue }
            switch keyword {
            case "PIPELINING": pipelining = true
            case "STARTTLS": startTLS = true
            case "AUTH": authMechanisms.formUnion(words.dropFirst())
            case "SIZE": maximumSize = words.count > 1 ? Int(words[1]) : 0
            case "8BITMIME": eightBitMIME = true
            case "ENHANCEDSTATUSCODES": enhancedStatusCodes = true
            default: continue
            }
        }
    }
}
