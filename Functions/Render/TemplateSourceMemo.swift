import Foundation
import NotifyModel
import Synchronization

/// Stored template sources already decoded, by their JSON text.
///
/// `render` reads the active templates of every notification it renders, and a template changes
/// far less often than it is used: decoding the same text for every notification cost more of
/// the render step than the lookup does. A text decodes to one value whatever the notification,
/// so the memo cannot serve a stale template: a new version has another text.
enum TemplateSourceMemo {
    /// The most texts remembered; past it the memo starts again empty.
    static let capacity = 1_024

    private static let decoded = Mutex<[String: TemplateSource]>([:])

    /// The template `text` holds, decoded once per process (while remembered).
    static func source(_ text: String, decoder: JSONDecoder) throws -> TemplateSource {
        if let known = decoded.withLock({ $0[text] }) { return known }
        let source = try decoder.decode(TemplateSource.self, from: Data(text.utf8))
        decoded.withLock { memo in
            if memo.count >= capacity { memo.removeAll(keepingCapacity: true) }
            memo[text] = source
        }
        return source
    }

    /// The number of texts remembered (for tests).
    static var count: Int { decoded.withLock { $0.count } }
}
