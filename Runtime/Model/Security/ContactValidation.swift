import Foundation

/// Checks and normalises contact points and profile fields before they are stored.
///
/// Error messages describe the expected shape and never repeat the input, which may be personal
/// data.
public enum ContactValidation {
    /// Validates an email address and returns it normalised: surrounding whitespace trimmed and the
    /// domain lowercased (the local part keeps its case, which the standard lets servers honour).
    ///
    /// Requires exactly one `@`, a local part of 1 to 64 bytes, a domain with at least one dot and
    /// no empty labels, no whitespace or control characters, and at most 254 bytes in all. Throws
    /// `invalid_email`.
    public static func email(_ raw: String) throws(ModelError) -> String {
        let address = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        func reject(_ reason: String) -> ModelError {
            ModelError(code: "invalid_email", "the email address \(reason); use the form name@example.com")
        }
        guard !address.isEmpty else { throw reject("is empty") }
        guard address.utf8.count <= 254 else { throw reject("is longer than 254 bytes") }
        guard
            !address.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0 == "\u{7f}" })
        else { throw reject("contains spaces or control characters") }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw reject(parts.count < 2 ? "has no @" : "has more than one @")
        }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty else { throw reject("has nothing before the @") }
        guard local.utf8.count <= 64 else { throw reject("has more than 64 bytes before the @") }
        guard domain.contains(".") else { throw reject("has a domain without a dot") }
        guard !domain.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            throw reject("has a domain with an empty label (a leading, trailing or doubled dot)")
        }
        return "\(local)@\(domain.lowercased())"
    }

    /// Validates a phone number in E.164 form and returns it as `+` and digits only.
    ///
    /// Accepts `+` followed by 8 to 15 digits, the first not `0`; spaces, dashes, dots and
    /// parentheses in the input are removed first. Throws `invalid_phone_number`.
    public static func phoneE164(_ raw: String) throws(ModelError) -> String {
        let compact = raw.filter { !($0.isWhitespace || "-.()".contains($0)) }
        let utf8 = Array(compact.utf8)
        let digits = utf8.dropFirst()
        guard utf8.first == UInt8(ascii: "+"),
            (8...15).contains(digits.count),
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            digits.first != UInt8(ascii: "0")
        else {
            throw ModelError(
                code: "invalid_phone_number",
                "phone numbers must be in E.164 form: + then the country code and number, 8 to 15 digits in all, "
                    + "like +14155550123")
        }
        return compact
    }

    /// Validates an IANA time zone id such as `Europe/Berlin` or `UTC` (as known to Foundation's
    /// `TimeZone(identifier:)`, case-sensitively) and returns it trimmed. Foundation's own offset
    /// forms such as `GMT+2` are not IANA ids and are rejected. Throws `invalid_timezone`.
    public static func timeZone(_ id: String) throws(ModelError) -> String {
        let trimmed = id.trimmingCharacters(in: .whitespacesAndNewlines)
        let isOffsetForm = ["GMT+", "GMT-", "UTC+", "UTC-"].contains(where: trimmed.hasPrefix)
        guard !trimmed.isEmpty, !isOffsetForm, TimeZone(identifier: trimmed) != nil else {
            throw ModelError(
                code: "invalid_timezone",
                "use an IANA time zone id such as Europe/Berlin, America/New_York or UTC (the case matters)")
        }
        return trimmed
    }

    /// Validates a locale tag of the forms `ll`, `ll-RR`, `ll-Ssss` or `ll-Ssss-RR` (language of 2
    /// or 3 letters, optional 4-letter script, region of 2 letters or 3 digits; `_` is accepted
    /// for `-`) and returns it in canonical casing, such as `pt-BR` or `zh-Hant-TW`. Throws
    /// `invalid_locale`.
    public static func locale(_ tag: String) throws(ModelError) -> String {
        let subtags = tag.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(omittingEmptySubsequences: false, whereSeparator: { $0 == "-" || $0 == "_" })
            .map(String.init)
        func isLetters(_ text: String, _ counts: ClosedRange<Int>) -> Bool {
            counts.contains(text.utf8.count) && text.utf8.allSatisfy { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7a }
        }
        func isDigits(_ text: String) -> Bool {
            text.utf8.count == 3 && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        guard let language = subtags.first, isLetters(language, 2...3), subtags.count <= 3 else {
            throw invalidLocale()
        }
        var result = [language.lowercased()]
        var rest = subtags.dropFirst()
        if let script = rest.first, isLetters(script, 4...4) {
            result.append(script.prefix(1).uppercased() + script.dropFirst().lowercased())
            rest = rest.dropFirst()
        }
        if let region = rest.first {
            guard isLetters(region, 2...2) || isDigits(region) else { throw invalidLocale() }
            result.append(region.uppercased())
            rest = rest.dropFirst()
        }
        guard rest.isEmpty else { throw invalidLocale() }
        return result.joined(separator: "-")
    }

    private static func invalidLocale() -> ModelError {
        ModelError(
            code: "invalid_locale",
            "use a locale tag such as en, pt-BR or zh-Hant-TW: a 2- or 3-letter language, optionally a "
                + "4-letter script, optionally a 2-letter region")
    }
}
