import Foundation
import NotifyModel

/// The `digest` field of a category request: checked, and encoded for `notify.categories.digest`.
enum CategoryDigest {
    /// The settings as JSON text, or nil for no digest (`digest` absent or null). Throws
    /// `invalid_digest` or `digest_cap_mismatch` as a 400 problem.
    static func json(_ value: JSONValue?, capAction: FrequencyCapAction) throws -> String? {
        var settings: DigestSettings?
        if let value, value != .null {
            settings = try ContactCheck.run { () throws(ModelError) in try DigestSettings.parse(value) }
        }
        try ContactCheck.run { () throws(ModelError) in try DigestSettings.check(settings, capAction: capAction) }
        guard let settings else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(settings), as: UTF8.self)
    }
}
