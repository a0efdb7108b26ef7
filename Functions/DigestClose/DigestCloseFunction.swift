import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// `digest-close`: releases a digest as one message through the normal pipeline.
///
/// In the job's completion transaction it marks the digest `closed` (waiting, through the digest
/// row's lock, for any `preference-filter` still adding an item), then, in a second statement that
/// therefore sees every committed item, creates the digest's notification (the digest template,
/// data `{count, items, category}`), its one delivery, the timeline events, and the
/// `preference-filter` job that takes it on to render and send — so quiet hours hold a digest
/// like any other message. A digest that already has its notification is left alone, so a
/// replayed or duplicate close does nothing.
public struct DigestCloseFunction: NotifyFunction {
    public typealias Input = DigestCloseInput

    public static let name: FunctionName = "digest-close"
    public static let settings = FunctionSettings(maxAttempts: 10, timeout: .seconds(30))

    /// Creates the function.
    public init() {}

    public func handle(_ input: DigestCloseInput, context: FunctionContext) async throws -> FunctionOutput {
        let rows = try await context.database.query(
            """
            SELECT g.notification_id IS NOT NULL, c.kind, c.critical
            FROM notify.digests g
            LEFT JOIN notify.categories c ON c.tenant_id = g.tenant_id AND c.key = g.category_key
            WHERE g.id = \(input.digestID) AND g.tenant_id = \(input.tenantID)
            """, logger: context.logger)
        guard let row = rows.first else {
            return FunctionOutput(summary: #"{"skipped":"unknown_digest"}"#)
        }
        let (released, kind, critical) = try row.decode((Bool, String?, Bool?).self)
        if released {
            return FunctionOutput(summary: #"{"skipped":"released"}"#)
        }
        let lane = PipelineLane.lane(
            priority: nil, kind: kind.flatMap(CategoryKind.init(rawValue:)) ?? .marketing, critical: critical ?? false)
        return FunctionOutput(
            writes: [DigestRelease.close(input), DigestRelease.release(input, lane: lane)],
            summary: #"{"digest_id":\#(input.digestID)}"#)
    }
}
