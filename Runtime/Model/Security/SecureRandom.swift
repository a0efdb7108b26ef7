/// Cryptographically secure random values from the operating system's generator
/// (`SystemRandomNumberGenerator`: `getrandom(2)` on Linux, `arc4random` on Apple platforms).
enum SecureRandom {
    /// `count` random bytes.
    static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A string of `count` characters drawn uniformly (without modulo bias) from `alphabet`.
    static func string(count: Int, alphabet: [Character]) -> String {
        precondition(!alphabet.isEmpty, "the alphabet must not be empty")
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
