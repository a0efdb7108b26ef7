import Hummingbird

extension HTTPFields {
    /// A header by its name as text, for headers HTTPTypes has no constant for
    /// (`Idempotency-Key`, `Last-Event-ID`, `X-Notify-Signature`).
    subscript(named name: String) -> String? {
        get { Element.Name(name).flatMap { self[$0] } }
        set { if let field = Element.Name(name) { self[field] = newValue } }
    }
}
