import Foundation

/// How the running binary carries the Swift runtime. Benchmark reports name it under `settings`
/// (`swift_runtime`) because it moves their figures and the idle memory: `static` for a build with
/// `--static-swift-stdlib`, `shared` for one that loads `libswiftCore.so`.
enum SwiftRuntimeLink: String, Sendable {
    case `static`
    case shared

    /// This process's, from its memory map; nil where `/proc/self/maps` cannot be read.
    static func current() -> SwiftRuntimeLink? {
        // Read to its end: a /proc file has no size for a reader that trusts one.
        guard let file = FileHandle(forReadingAtPath: "/proc/self/maps"), let data = try? file.readToEnd() else {
            return nil
        }
        try? file.close()
        return String(decoding: data, as: UTF8.self).contains("/libswiftCore.so") ? .shared : .static
    }
}
