import Hummingbird

/// A boolean query parameter (`?activate=true`): `true` or `false` exactly, absent for the default.
/// Anything else is refused rather than read as false, so a typo cannot silently change a request.
enum QueryFlag {
    /// The flag's value; throws `invalid_query` naming the parameter and the accepted values.
    static func value(_ name: String, in request: Request, default defaultValue: Bool = false) throws -> Bool {
        try parse(name, in: request, absent: "\(defaultValue)") ?? defaultValue
    }

    /// The flag's value, nil when the request leaves it out (a filter that is then not applied);
    /// throws `invalid_query` as ``value(_:in:default:)`` does.
    static func optionalValue(_ name: String, in request: Request) throws -> Bool? {
        try parse(name, in: request, absent: "both")
    }

    private static func parse(_ name: String, in request: Request, absent: String) throws -> Bool? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            throw APIError(
                .badRequest, code: "invalid_query",
                "query parameter \"\(name)\" must be true or false (got \"\(text.prefix(40))\"); leave it out for \(absent)"
            )
        }
    }
}
