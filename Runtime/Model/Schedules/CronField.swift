/// One field of a cron expression: the values it allows, and whether it was written as `*`
/// (which matters for the day-of-month / day-of-week rule).
public struct CronField: Sendable, Hashable {
    /// The fields of an expression, in order (seconds only in the six-field form).
    public enum Kind: String, Sendable, CaseIterable {
        case second, minute, hour, dayOfMonth = "day-of-month", month, dayOfWeek = "day-of-week"

        var range: ClosedRange<Int> {
            switch self {
            case .second, .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        var names: [String] {
            switch self {
            case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            default: []
            }
        }

        /// The value of a month or weekday name (`JAN` = 1, `SUN` = 0), case-insensitive.
        func value(ofName name: Substring) -> Int? {
            guard let index = names.firstIndex(of: name.uppercased()) else { return nil }
            return self == .month ? index + 1 : index
        }
    }

    /// Which field this is.
    public let kind: Kind
    /// The allowed values, ascending (day-of-week 7 is folded into 0, Sunday).
    public let values: [Int]
    /// True when the field starts with `*` (`*` or `*/n`).
    public let isStar: Bool
    private let allowed: Set<Int>

    /// True when `value` is allowed.
    public func contains(_ value: Int) -> Bool { allowed.contains(value) }

    /// Parses one field: `*`, a value, a name, `a-b`, `*/n`, `a-b/n`, `a/n`, and comma lists of them.
    public init(_ text: Substring, kind: Kind) throws(CronError) {
        var allowed = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let base = parts.first, !base.isEmpty else {
                throw CronError(.invalidField, kind, text, "\"\(item)\" is not a value, a range or a step")
            }
            var step = 1
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), parsed >= 1, parsed <= kind.range.upperBound else {
                    throw CronError(
                        .invalidStep, kind, text,
                        "the step \"\(parts[1])\" must be a whole number from 1 to \(kind.range.upperBound)")
                }
                step = parsed
            }
            let bounds: ClosedRange<Int>
            if base == "*" {
                bounds = kind.range
            } else if let dash = base.firstIndex(of: "-") {
                let low = try Self.value(base[..<dash], kind: kind, field: text)
                let high = try Self.value(base[base.index(after: dash)...], kind: kind, field: text)
                guard low <= high else {
                    throw CronError(
                        .invalidRange, kind, text, "the range \(base) runs backwards; write the smaller value first")
                }
                bounds = low...high
            } else {
                let value = try Self.value(base, kind: kind, field: text)
                // `a/n` means from a to the end of the range, every n.
                bounds = parts.count == 2 ? value...kind.range.upperBound : value...value
            }
            for value in stride(from: bounds.lowerBound, through: bounds.upperBound, by: step) {
                allowed.insert(kind == .dayOfWeek && value == 7 ? 0 : value)
            }
        }
        self.kind = kind
        self.allowed = allowed
        self.values = allowed.sorted()
        self.isStar = text.hasPrefix("*")
    }

    private static func value(_ text: Substring, kind: Kind, field: Substring) throws(CronError) -> Int {
        if let number = Int(text) {
            guard kind.range.contains(number) else {
                throw CronError(
                    .valueOutOfRange, kind, field,
                    "\(number) is outside \(kind.range.lowerBound)-\(kind.range.upperBound)")
            }
            return number
        }
        if let named = kind.value(ofName: text) { return named }
        let hint = kind.names.isEmpty ? "" : " or a name such as \(kind.names[1])"
        throw CronError(
            .invalidField, kind, field,
            "\"\(text)\" is not a number from \(kind.range.lowerBound) to \(kind.range.upperBound)\(hint)")
    }
}
