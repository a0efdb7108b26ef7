import NotifyFunctionKit

/// A stored callback that cannot be understood: permanent, with what was wrong.
struct CallbackParseError: ClassifiedError, CustomStringConvertible {
    let message: String
    var failureKind: FailureKind { .permanent }
    var code: String { "callback_unreadable" }
    var description: String { "\(code): \(message)" }

    init(_ message: String) { self.message = message }
}
