import NotifyModel
import NotifyProviders

/// The enumerations request bodies decode, by the name Swift's decoder gives them in its errors,
/// with the values a client may send: so a refused value is answered with the accepted ones
/// (`unknown value "promo"; use transactional or marketing`) instead of a Swift type name.
///
/// Every `CaseIterable` enumeration with `String` raw values that a request body decodes belongs
/// here; one missing is still answered without its type name, only without the list.
enum RequestEnumValues {
    /// The accepted raw values of each enumeration, by its type name.
    static let acceptedByTypeName: [String: [String]] = Dictionary(
        uniqueKeysWithValues: [
            entry(CategoryKind.self), entry(UnknownOutcomePolicy.self), entry(FrequencyCapAction.self),
            entry(ProviderKind.self),
        ])

    /// A refused raw value, and the accepted ones when the enumeration is known.
    struct Rejection: Equatable {
        var value: String
        var accepted: [String]?
    }

    /// The rejection that the standard library's message for a raw value no case has describes
    /// (`Cannot initialize CategoryKind from invalid String value promo`), or nil for any other message.
    static func rejection(in debugDescription: String) -> Rejection? {
        guard
            let match = debugDescription.wholeMatch(
                of: /Cannot initialize (?<type>\S+) from invalid String value (?<value>.*)/.dotMatchesNewlines())
        else { return nil }
        return Rejection(value: String(match.value), accepted: acceptedByTypeName[String(match.type)])
    }

    /// `a`, `a or b`, `a, b or c`.
    static func alternatives(_ values: [String]) -> String {
        guard let last = values.last, values.count > 1 else { return values.first ?? "" }
        return values.dropLast().joined(separator: ", ") + " or " + last
    }

    private static func entry<Value: CaseIterable & RawRepresentable<String>>(
        _ type: Value.Type
    ) -> (String, [String]) {
        (String(describing: type), type.allCases.map(\.rawValue))
    }
}
