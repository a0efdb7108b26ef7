import Foundation
import NotifyModel

/// A file only its owner may read (mode 0600), for secrets the CLI keeps on disk.
enum PrivateFile {
    /// Writes `text` to `path`, replacing the file.
    /// - Throws: ``NotifyModel/ModelError`` with `code` and `message` when the file cannot be written.
    static func write(_ text: String, to path: String, code: String, message: String) throws {
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw ModelError(code: code, message) }
    }
}
