/// An SMTP command, rendered by the client and parsed by the server.
public enum SMTPCommand: Sendable, Hashable {
    case ehlo(String)
    case helo(String)
    case startTLS
    /// `AUTH <mechanism> [initial-response]`.
    case auth(mechanism: String, initialResponse: String?)
    /// `MAIL FROM:<path>` with ESMTP parameters such as `SIZE=1234` or `BODY=8BITMIME`.
    case mailFrom(String, parameters: [String])
    case rcptTo(String)
    case data
    case rset
    case noop
    case quit
    /// Anything else, kept so the server can answer 502.
    case unknown(verb: String)

    /// The command line with its CRLF.
    public var wireFormat: String {
        switch self {
        case .ehlo(let name): return "EHLO \(name)\r\n"
        case .helo(let name): return "HELO \(name)\r\n"
        case .startTLS: return "STARTTLS\r\n"
        case .auth(let mechanism, let initial?): return "AUTH \(mechanism) \(initial)\r\n"
        case .auth(let mechanism, nil): return "AUTH \(mechanism)\r\n"
        case .mailFrom(let path, let parameters):
            return (["MAIL FROM:<\(path)>"] + parameters).joined(separator: " ") + "\r\n"
        case .rcptTo(let path): return "RCPT TO:<\(path)>\r\n"
        case .data: return "DATA\r\n"
        case .rset: return "RSET\r\n"
        case .noop: return "NOOP\r\n"
        case .quit: return "QUIT\r\n"
        case .unknown(let verb): return "\(verb)\r\n"
        }
    }

    /// Parses a command line (without CRLF); returns nil when a known verb has bad arguments.
    public static func parse(_ line: String) -> SMTPCommand? {
        let trimmed = line.trimmingASCIISpaces()
        let verbEnd = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
        let verb = trimmed[..<verbEnd].uppercased()
        let rest = trimmed[verbEnd...].trimmingASCIISpaces()
        switch verb {
        case "EHLO": return rest.isEmpty ? nil : .ehlo(rest)
        case "HELO": return rest.isEmpty ? nil : .helo(rest)
        case "STARTTLS": return rest.isEmpty ? .startTLS : nil
        case "AUTH":
            let parts = rest.split(separator: " ", maxSplits: 1).map(String.init)
            guard let mechanism = parts.first else { return nil }
            return .auth(mechanism: mechanism.uppercased(), initialResponse: parts.count > 1 ? parts[1] : nil)
        case "MAIL":
            guard let (path, parameters) = parsePath(rest, prefix: "FROM:") else { return nil }
            return .mailFrom(path, parameters: parameters)
        case "RCPT":
            guard let (path, _) = parsePath(rest, prefix: "TO:") else { return nil }
            return .rcptTo(path)
        case "DATA": return .data
        case "RSET": return .rset
        case "NOOP": return .noop
        case "QUIT": return .quit
        default: return .unknown(verb: verb)
        }
    }

    /// Parses `FROM:<path> PARAM…` (a space after the colon is tolerated).
    private static func parsePath(_ text: String, prefix: String) -> (String, [String])? {
        guard text.uppercased().hasPrefix(prefix) else { return nil }
        let afterPrefix = text.dropFirst(prefix.count).drop(while: { $0 == " " })
        guard afterPrefix.first == "<", let close = afterPrefix.firstIndex(of: ">") else { return nil }
        let path = String(afterPrefix[afterPrefix.index(after: afterPrefix.startIndex)..<close])
        let parameters = afterPrefix[afterPrefix.index(after: close)...].split(separator: " ").map(String.init)
        return (path, parameters)
    }
}

extension StringProtocol {
    func trimmingASCIISpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(self.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
