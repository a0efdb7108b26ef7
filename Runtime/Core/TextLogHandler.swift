import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Writes log lines to standard error in the format of swift-log's `StreamLogHandler`
/// (`<time> <level> <label>: <metadata> [<source>] <message>`), rendering the metadata only when
/// a line is written.
///
/// `StreamLogHandler` renders all of a logger's metadata again on every change to it. The HTTP
/// server sets metadata on every request and the PostgreSQL client on every query, whether or not
/// anything is logged, so under load that rendering alone took a few per cent of the process's
/// CPU. Here a change only stores the value.
public struct TextLogHandler: LogHandler {
    /// The lowest level written.
    public var logLevel: Logger.Level
    /// The logger's own metadata, rendered into each line written.
    public var metadata: Logger.Metadata = [:]
    /// Metadata added to each line written (swift-log's task-local metadata).
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: @Sendable (String) -> Void

    /// A handler for `label` that writes lines at `level` and above to `output` (standard error
    /// when nil).
    public init(
        label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil,
        output: (@Sendable (String) -> Void)? = nil
    ) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.output = output ?? Self.standardError
    }

    /// One metadata value; setting it only stores it.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes `event` as one line.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, provided in provided }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, explicit in explicit }
        }
        if let error = event.error {
            merged["error.message"] = "\(LogSafeError.message(error))"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let rendered = merged.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        output(
            "\(Self.timestamp()) \(event.level)\(label.isEmpty ? "" : " ")\(label):\(rendered) [\(event.source)] \(event.message)\n"
        )
    }

    /// The local time as `2026-12-04T21:07:14+0000`.
    static func timestamp() -> String {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes `line` to standard error in one call, so that lines of concurrent tasks never mix.
    @Sendable static func standardError(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            var written = 0
            while written < bytes.count {
                let result = Glibc.write(2, bytes.baseAddress! + written, bytes.count - written)
                if result <= 0 { break }
                written += result
            }
        }
    }
}
