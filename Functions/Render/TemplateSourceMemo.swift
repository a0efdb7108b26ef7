import Foundation
import NotifyModel

/// Stored template sources already decoded, by their JSON text.
///
/// `render` reads the active templates of every notification it renders, and a template changes
/// far less often than it is used: decoding the same text for every notification cost more of
/// the render step than the lookup does. A text decodes to one value whatever the notification,
/// so the memo cannot serve a stale template: a new version has another text.
enum TemplateSourceMemo {
    private static let decoded = BoundedMemo<String, TemplateSource>(capacity: 1_024)

    /// The most texts remembered; past it the memo starts again empty.
    static var capacity: Int { decoded.capacity }

    /// The template `text` holds, decoded once per process (while remembered).
    static func source(_ text: String, decoder: JSONDecoder) throws -> TemplateSource {
        try decoded.value(for: text) { try decoder.decode(TemplateSource.self, from: Data(text.utf8)) }
    }

    /// The number of texts remembered (for tests).
    static var count: Int { decoded.count }
}
