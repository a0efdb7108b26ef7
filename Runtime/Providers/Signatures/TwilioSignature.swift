import Crypto
import Foundation

/// Twilio's `X-Twilio-Signature`: HMAC-SHA1 with the auth token over the requested URL followed by
/// the sorted form parameters (`shared/reference/provider-protocols.md` §1.5).
///
/// The sandbox signs status callbacks with it; the engine verifies them. Verification accepts the
/// URL as given, with its port removed, or with the scheme's default port added, because Twilio
/// is not consistent about ports.
public struct TwilioSignature: Sendable {
    /// The header Twilio sends the signature in.
    public static let header = "X-Twilio-Signature"

    private let key: SymmetricKey

    /// Creates a signer and verifier for one account's auth token (the primary token).
    public init(authToken: String) {
        self.key = SymmetricKey(data: Array(authToken.utf8))
    }

    // MARK: Signing

    /// The signature of a form POST to `url` with these parameters (or of a GET, with none).
    public func sign(url: String, parameters: [(name: String, value: String)]) -> String {
        Data(mac(Self.signedString(url: url, parameters: parameters))).base64EncodedString()
    }

    /// Signs a JSON POST: returns the URL with `bodySHA256` appended to its query, which is the
    /// URL to request, and the signature over that URL.
    public func signJSON(url: String, body: some DataProtocol) -> (url: String, signature: String) {
        let hash = SignatureSupport.hex(SHA256.hash(data: body))
        let separator = url.contains("?") ? "&" : "?"
        let signedURL = "\(url)\(separator)bodySHA256=\(hash)"
        return (signedURL, sign(url: signedURL, parameters: []))
    }

    // MARK: Verifying

    /// Verifies a form-encoded (or parameterless) request.
    ///
    /// - Parameters:
    ///   - signature: the `X-Twilio-Signature` header value, nil if absent.
    ///   - url: the full URL Twilio requested, as Twilio saw it (scheme, host, path and query).
    ///   - parameters: every POST parameter received, including unknown ones.
    public func verify(
        signature: String?, url: String, parameters: [(name: String, value: String)]
    )
        throws(SignatureError)
    {
        let expected = try Self.decodeSignature(signature)
        for candidate in Self.candidateURLs(url) {
            let computed = mac(Self.signedString(url: candidate, parameters: parameters))
            if SignatureSupport.constantTimeEqual(computed, expected) { return }
        }
        throw SignatureError(
            .mismatch, "The X-Twilio-Signature does not match the URL and parameters with this account's auth token.")
    }

    /// Verifies a JSON request: the `bodySHA256` query parameter must be the body's SHA-256 and the
    /// signature must cover the URL.
    public func verifyJSON(signature: String?, url: String, body: some DataProtocol) throws(SignatureError) {
        let expected = try Self.decodeSignature(signature)
        let query = url.firstIndex(of: "?").map { String(url[url.index(after: $0)...]) } ?? ""
        guard let claimed = FormURLEncoding.decode(query).last(where: { $0.name == "bodySHA256" })?.value else {
            throw SignatureError(.missing, "The JSON request URL has no bodySHA256 query parameter.")
        }
        guard let claimedBytes = SignatureSupport.bytes(fromHex: claimed) else {
            throw SignatureError(.malformed, "The bodySHA256 query parameter is not hexadecimal.")
        }
        let actual = Array(SHA256.hash(data: body))
        var matched = false
        for candidate in Self.candidateURLs(url) {
            let computed = mac(candidate)
            if SignatureSupport.constantTimeEqual(computed, expected) { matched = true }
        }
        guard SignatureSupport.constantTimeEqual(actual, claimedBytes) else {
            throw SignatureError(.mismatch, "The request body does not match its bodySHA256 query parameter.")
        }
        guard matched else {
            throw SignatureError(
                .mismatch, "The X-Twilio-Signature does not match the URL with this account's auth token.")
        }
    }

    // MARK: Algorithm

    /// The string that is signed: the URL, then for each name in code-point order its
    /// de-duplicated, sorted values as `name + value`.
    static func signedString(url: String, parameters: [(name: String, value: String)]) -> String {
        var grouped: [String: Set<String>] = [:]
        for parameter in parameters { grouped[parameter.name, default: []].insert(parameter.value) }
        var out = url
        for name in grouped.keys.sorted(by: codePointLess) {
            for value in grouped[name]!.sorted(by: codePointLess) {
                out += name
                out += value
            }
        }
        return out
    }

    /// The URL as given, with its port removed, and with the default port added.
    static func candidateURLs(_ url: String) -> [String] {
        guard let parts = URLParts(url) else { return [url] }
        var candidates = [url]
        let withoutPort = parts.rebuilt(port: nil)
        if !candidates.contains(withoutPort) { candidates.append(withoutPort) }
        if parts.port == nil, let defaultPort = parts.defaultPort {
            let withPort = parts.rebuilt(port: defaultPort)
            if !candidates.contains(withPort) { candidates.append(withPort) }
        }
        return candidates
    }

    private func mac(_ text: String) -> [UInt8] {
        Array(HMAC<Insecure.SHA1>.authenticationCode(for: Array(text.utf8), using: key))
    }

    private static func decodeSignature(_ signature: String?) throws(SignatureError) -> [UInt8] {
        guard let signature, !signature.isEmpty else {
            throw SignatureError(.missing, "The request has no X-Twilio-Signature header.")
        }
        guard let bytes = Data(base64Encoded: signature.trimmingCharacters(in: .whitespaces)) else {
            throw SignatureError(.malformed, "The X-Twilio-Signature header is not base64.")
        }
        return Array(bytes)
    }

    private static func codePointLess(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }
}

/// A URL split at its port, for the port quirk; keeps everything else byte for byte.
private struct URLParts {
    var scheme: String
    /// Everything from `://` up to the host's end, userinfo included.
    var prefix: String
    var port: String?
    /// Path, query and fragment.
    var rest: String

    init?(_ url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        scheme = url[..<schemeEnd.lowerBound].lowercased()
        let authorityStart = schemeEnd.upperBound
        let authorityEnd =
            url[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? url.endIndex
        let authority = url[authorityStart..<authorityEnd]
        rest = String(url[authorityEnd...])
        let hostStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let hostPort = authority[hostStart...]
        let closingBracket = hostPort.lastIndex(of: "]")
        if let colon = hostPort.lastIndex(of: ":"), closingBracket.map({ colon > $0 }) ?? true,
            hostPort[hostPort.index(after: colon)...].allSatisfy(\.isNumber)
        {
            port = String(hostPort[hostPort.index(after: colon)...])
            prefix = String(url[..<colon])
        } else {
            port = nil
            prefix = String(url[..<authorityEnd])
        }
    }

    var defaultPort: String? {
        switch scheme {
        case "https": return "443"
        case "http": return "80"
        default: return nil
        }
    }

    func rebuilt(port: String?) -> String {
        if let port { return "\(prefix):\(port)\(rest)" }
        return prefix + rest
    }
}
