import Foundation

/// The web origins whose pages may call the inbox API from a browser (CORS, ``InboxCORSMiddleware``),
/// from `NOTIFY_INBOX_ORIGINS`.
///
/// Any origin by default: an inbox request carries its own credential (the user's signature, made
/// by the tenant's backend), never a cookie, so a page of another origin gains nothing it did not
/// already hold. A list narrows it to the tenants' own web apps.
public enum InboxOrigins: Sendable, Equatable {
    /// Any origin (`Access-Control-Allow-Origin: *`).
    case any
    /// Only these origins, each `scheme://host[:port]` in lower case.
    case only(Set<String>)

    /// An entry of `NOTIFY_INBOX_ORIGINS` that is not an origin.
    public struct Invalid: Error, Sendable {
        /// The entry as written.
        public let entry: String
    }

    /// Reads `*`, or a comma-separated list of origins such as
    /// `https://app.example.com,http://localhost:3000` (a scheme, a host and an optional port; no
    /// path, not even `/`).
    public static func parse(_ text: String) throws(Invalid) -> InboxOrigins {
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if entries == ["*"] { return .any }
        guard !entries.isEmpty else { throw Invalid(entry: text) }
        var origins = Set<String>()
        for entry in entries {
            guard let origin = origin(entry) else { throw Invalid(entry: entry) }
            origins.insert(origin)
        }
        return .only(origins)
    }

    /// Whether a request with this `Origin` header may be answered with CORS headers.
    func allows(_ origin: String?) -> Bool {
        switch self {
        case .any: return true
        case .only(let origins): return origin.map { origins.contains($0.lowercased()) } ?? true
        }
    }

    /// `entry` as a browser writes its `Origin` header, or nil when it is not one.
    private static func origin(_ entry: String) -> String? {
        guard let components = URLComponents(string: entry), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty,
            components.path.isEmpty, components.query == nil, components.fragment == nil,
            components.user == nil, components.password == nil
        else { return nil }
        return "\(scheme)://\(host.lowercased())" + (components.port.map { ":\($0)" } ?? "")
    }
}
