import Foundation
import NIOCore
import NotifyProviders

/// An `application/x-www-form-urlencoded` body: ordered pairs, names may repeat.
struct FormParameters: Sendable {
    var pairs: [(name: String, value: String)]

    /// Parses a body; `+` is a space.
    init(_ data: Data) {
        pairs = FormURLEncoding.decode(String(decoding: data, as: UTF8.self))
    }

    /// Parses a request body where it lies.
    init(_ buffer: ByteBuffer) {
        pairs = buffer.withUnsafeReadableBytes { raw in
            raw.withMemoryRebound(to: UInt8.self) { FormURLEncoding.decode(utf8: $0) }
        }
    }

    init(pairs: [(name: String, value: String)]) {
        self.pairs = pairs
    }

    /// The first value of a name.
    subscript(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Every pair as a dictionary of the first values.
    var dictionary: [String: String] {
        var result: [String: String] = [:]
        for pair in pairs where result[pair.name] == nil { result[pair.name] = pair.value }
        return result
    }

    /// The encoded body.
    var encoded: String { FormURLEncoding.encode(pairs) }
}
