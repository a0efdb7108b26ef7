/// A job input that can read its own JSON text, for the shapes it is sure to read exactly as
/// Foundation's `JSONDecoder` (the one ``JobPayload``'s readers use) would.
///
/// A queued job's input is JSON text, decoded once per job. For inputs that every notification
/// passes through (the first step's), the decoder's boxes and run-time type lookups cost more than
/// the text. An input that returns `nil` leaves the text to the decoder, which then gives the
/// value, or the error that names the field to fix. A test should compare the values with the
/// decoder's.
public protocol JSONTextDecodable: Decodable, Sendable {
    /// The value in `text` when this type reads it exactly as the decoder would; `nil` when it is
    /// not sure (an unusual spelling, a malformed text), so that the decoder decides.
    static func directlyDecoded(from text: String) -> Self?
}
