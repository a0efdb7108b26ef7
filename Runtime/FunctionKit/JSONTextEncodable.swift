/// A job input that writes its own JSON text: exactly what ``JobPayload``'s encoder (Foundation's
/// `JSONEncoder`, sorted keys) writes for it, without the encoder's cost.
///
/// For inputs that every notification passes through several times (a batch of deliveries), the
/// encoder's boxes and run-time type lookups cost more than the text. A test should compare
/// ``jsonText`` with the encoder's output.
public protocol JSONTextEncodable: Encodable, Sendable {
    /// The value as compact JSON with sorted keys and escaped slashes, as `JSONEncoder` writes it
    /// with `.sortedKeys`.
    var jsonText: String { get }
}
