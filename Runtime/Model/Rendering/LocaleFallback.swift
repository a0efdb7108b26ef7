/// Chooses the template locale for a user: the requested locale, then less specific forms of it,
/// then the tenant's default.
///
/// Tags are BCP 47 style (`pt-BR`, `zh-Hant-TW`; `_` is accepted for `-`) and are normalised: the
/// language lower-case, a four-letter script title-case, a region upper-case (`pt-br` → `pt-BR`).
public enum LocaleFallback {
    /// What ``resolve(requested:tenantDefault:available:)`` was asked.
    private struct Question: Hashable {
        let requested: String?
        let tenantDefault: String
        let available: Set<String>
    }

    /// Answers already worked out: `render` asks the same question for nearly every recipient of a
    /// template, and working one out (sorting, normalising, lower-casing) cost more than a lookup.
    private static let memo = BoundedMemo<Question, String?>(capacity: 4_096)

    /// The most answers remembered; past it the memo starts again empty.
    static var memoCapacity: Int { memo.capacity }

    /// The locales to try, most specific first, without duplicates: the requested tag and each
    /// shorter prefix of it, then the tenant default and each shorter prefix of it.
    ///
    /// `chain(for: "pt-BR", tenantDefault: "en-US")` is `["pt-BR", "pt", "en-US", "en"]`. A nil,
    /// empty or malformed requested tag contributes nothing.
    public static func chain(for requested: String?, tenantDefault: String) -> [String] {
        var chain: [String] = []
        for tag in [requested, tenantDefault] {
            guard let subtags = tag.flatMap(normalisedSubtags) else { continue }
            for length in stride(from: subtags.count, through: 1, by: -1) {
                let candidate = subtags.prefix(length).joined(separator: "-")
                if !chain.contains(candidate) {
                    chain.append(candidate)
                }
            }
        }
        return chain
    }

    /// The first locale of the chain that is available, compared case-insensitively, spelled as in
    /// `available`; nil when none is.
    public static func resolve(requested: String?, tenantDefault: String, available: Set<String>) -> String? {
        let question = Question(requested: requested, tenantDefault: tenantDefault, available: available)
        return memo.value(for: question) { work(out: question) }
    }

    private static func work(out question: Question) -> String? {
        let (requested, tenantDefault, available) = (question.requested, question.tenantDefault, question.available)
        var byKey: [String: String] = [:]
        for locale in available.sorted() {
            let key = String(locale.lazy.map { $0 == "_" ? "-" : $0 }).lowercased()
            if byKey[key] == nil {
                byKey[key] = locale
            }
        }
        for candidate in chain(for: requested, tenantDefault: tenantDefault) {
            if let match = byKey[candidate.lowercased()] {
                return match
            }
        }
        return nil
    }

    /// Splits and normalises a tag; nil when it is not made of 1–8 character ASCII alphanumeric
    /// subtags starting with a 2–8 letter language.
    static func normalisedSubtags(_ tag: String) -> [String]? {
        let parts = tag.trimmingBlanks().split(
            separator: "-", omittingEmptySubsequences: false
        ).flatMap { $0.split(separator: "_", omittingEmptySubsequences: false) }
        guard let language = parts.first, (2...8).contains(language.count),
            language.allSatisfy({ $0.isASCII && $0.isLetter })
        else { return nil }
        var subtags = [language.lowercased()]
        for part in parts.dropFirst() {
            guard (1...8).contains(part.count), part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                return nil
            }
            if part.count == 4, part.allSatisfy(\.isLetter) {
                subtags.append(part.prefix(1).uppercased() + part.dropFirst().lowercased())
            } else if part.count == 2, part.allSatisfy(\.isLetter) {
                subtags.append(part.uppercased())
            } else {
                subtags.append(part.lowercased())
            }
        }
        return subtags
    }
}
