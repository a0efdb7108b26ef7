extension DigestSettings {
    /// The fields a digest object may carry.
    public static let fields: Set<String> = ["window_seconds", "max_items", "template", "mode"]

    /// Reads and checks a category's `digest` object, naming every problem at once. Throws
    /// `invalid_digest` with a sentence per problem saying what to send instead.
    public static func parse(_ value: JSONValue) throws(ModelError) -> DigestSettings {
        guard case .object(let object) = value else {
            throw ModelError(
                code: "invalid_digest",
                "digest must be an object such as {\"window_seconds\": 3600, \"max_items\": 50, \"template\": \"daily-digest\"}"
            )
        }
        var problems: [String] = []
        let unknown = Set(object.keys).subtracting(fields).sorted()
        if !unknown.isEmpty {
            problems.append(
                "unknown field \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); allowed: \(fields.sorted().joined(separator: ", "))"
            )
        }
        let window = integer(object["window_seconds"])
        if window == nil {
            problems.append(
                object["window_seconds"] == nil
                    ? "window_seconds is required: a whole number of seconds, such as 3600"
                    : "window_seconds must be a whole number of seconds, such as 3600 (got \(kind(of: object["window_seconds"])))"
            )
        } else if let window, !(minimumWindowSeconds...maximumWindowSeconds).contains(window) {
            problems.append(
                "window_seconds is \(window); use \(minimumWindowSeconds) to \(maximumWindowSeconds) (31 days)")
        }
        let items = integer(object["max_items"])
        if items == nil {
            problems.append(
                object["max_items"] == nil
                    ? "max_items is required: a whole number of items, such as 50"
                    : "max_items must be a whole number of items, such as 50 (got \(kind(of: object["max_items"])))"
            )
        } else if let items, !(minimumItems...maximumItems).contains(items) {
            problems.append("max_items is \(items); use \(minimumItems) to \(maximumItems)")
        }
        var template: String?
        if case .string(let key) = object["template"], isTemplateKey(key) {
            template = key
        } else {
            problems.append(
                "template must name the digest's template: 1 to 63 lowercase letters, digits, '_', '.' or '-'")
        }
        var mode = DigestMode.always
        if let raw = object["mode"] {
            if case .string(let name) = raw, let parsed = DigestMode(rawValue: name) {
                mode = parsed
            } else {
                problems.append("mode must be \"always\" or \"over_cap\"")
            }
        }
        guard problems.isEmpty, let window, let items, let template else {
            throw ModelError(code: "invalid_digest", "digest: " + problems.joined(separator: "; "))
        }
        return DigestSettings(windowSeconds: window, maxItems: items, templateKey: template, mode: mode)
    }

    private static func integer(_ value: JSONValue?) -> Int? {
        guard case .number(let number) = value, number.rounded() == number, abs(number) < 1e12 else { return nil }
        return Int(number)
    }

    /// What a value that is not a usable whole number is, for a detail: `a string`, `a fraction`.
    private static func kind(of value: JSONValue?) -> String {
        switch value {
        case .string: "a string"
        case .number(let number): number.rounded() == number ? "a number that large" : "a fraction"
        case .bool: "a boolean"
        case .array: "a list"
        case .object: "an object"
        case .null, nil: "null"
        }
    }

    private static func isTemplateKey(_ key: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_.-")
        return (1...63).contains(key.count) && key.allSatisfy { allowed.contains($0) }
            && !["_", ".", "-"].contains(key.first!)
    }
}
