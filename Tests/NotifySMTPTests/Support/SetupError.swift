import Foundation

/// A test prerequisite is missing; the message says how to fix it.
struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
