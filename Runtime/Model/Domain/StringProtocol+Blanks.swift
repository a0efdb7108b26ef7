extension StringProtocol {
    /// The text without leading and trailing spaces and tabs, in pure Swift: Foundation's
    /// `trimmingCharacters(in: .whitespaces)` bridges through `NSString`, which showed in profiles
    /// of code that runs once per request or per delivery.
    public func trimmingBlanks() -> SubSequence {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }) else { return self[endIndex...] }
        let last = lastIndex(where: { !isBlank($0) })!
        return self[first...last]
    }
}
