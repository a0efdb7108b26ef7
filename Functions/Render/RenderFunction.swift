import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// `render`: fills each delivery's template for its channel and the user's locale.
///
/// The template is the notification's template key (or its category's), in the active version for
/// the channel, in the first locale of the fallback chain that has one (`pt-BR` → `pt` → the
/// tenant's default). Template variables come from the notification's `data`, plus `user` (the
/// recipient's external id and custom data). A missing variable, or a push payload over 4 KB, drops
/// that delivery with reason `render_failed` and the renderer's message in the timeline; the
/// others go on to `send-<channel>` with their rendered content stored on the delivery. A
/// notification whose content was erased (its category's `erase_content_after_seconds`) has
/// nothing to render: its deliveries are dropped with reason `content_erased`.
public struct RenderFunction: NotifyFunction {
    public typealias Input = DeliveryBatch

    public static let name: FunctionName = "render"
    /// Reads the pending deliveries that `validate` committed, so a worker that also runs
    /// `preference-filter` runs it inside a filter job whose output has no writes (the common case:
    /// every delivery goes on), or whose batch names new deliveries (then inside `validate`'s job;
    /// see ``NotifyModel/DeliveryBatch/newDeliveries``). Its completion does not wait for the disk:
    /// its output only changes the database, and a lost one is computed again (see
    /// `CompletionCommit`).
    public static let settings = FunctionSettings(
        maxAttempts: 5, timeout: .seconds(30), inlining: .whenPredecessorWroteNothing,
        completion: .asynchronous)

    /// Creates the function.
    public init() {}

    /// Reads what concurrent jobs render together.
    private let reads = RequestCoalescer<DeliveryBatch, Result<RenderJob, any Error>>(fetch: RenderJob.loadAll)

    public func handle(_ batch: DeliveryBatch, context: FunctionContext) async throws -> FunctionOutput {
        let job = try await reads.load(batch, context: context).get()
        let renderer = TemplateRenderer()
        var renderedUsers: [Int64] = []
        var contents: [String] = []
        var failures: [(userID: Int64, reason: DropReason, detail: String)] = []
        if job.contentErased {
            // Its category's time passed before these deliveries were rendered: there is no data.
            let detail = TimelineWrites.detail(["reason": DropReason.contentErased.rawValue])
            failures = job.recipients.map { ($0.userID, .contentErased, detail) }
            return try output(batch, users: [], contents: [], failures: failures, context: context)
        }
        let locales = Set(job.templates.keys)
        for (index, recipient) in job.recipients.enumerated() {
            // A campaign's batch gives way to critical work every 32 renders (see the send step).
            if index % 32 == 31 { await context.yieldToPriorityWork() }
            guard
                let locale = LocaleFallback.resolve(
                    requested: recipient.locale, tenantDefault: job.defaultLocale, available: locales)
            else {
                failures.append(
                    (
                        recipient.userID, .noTemplate,
                        TimelineWrites.detail([
                            "reason": DropReason.noTemplate.rawValue,
                            "message":
                                "no active \(batch.channel.rawValue) template \"\(job.templateKey)\" in the recipient's locale chain or the tenant default \(job.defaultLocale)",
                        ])
                    ))
                continue
            }
            var data = job.data
            data["user"] = recipient.templateValue
            do throws(ModelError) {
                let content = try renderer.render(job.templates[locale]!, channel: batch.channel, data: data)
                renderedUsers.append(recipient.userID)
                contents.append(content.jsonText)
            } catch {
                failures.append(
                    (
                        recipient.userID, .renderFailed,
                        TimelineWrites.detail([
                            "reason": DropReason.renderFailed.rawValue, "code": error.code, "message": error.message,
                            "locale": locale,
                        ])
                    ))
            }
        }
        return try output(batch, users: renderedUsers, contents: contents, failures: failures, context: context)
    }

    private func output(
        _ batch: DeliveryBatch, users: [Int64], contents: [String],
        failures: [(userID: Int64, reason: DropReason, detail: String)], context: FunctionContext
    ) throws -> FunctionOutput {
        var writes: [PostgresQuery] = []
        var next: [JobRequest] = []
        if !users.isEmpty {
            var onward = batch
            onward.userIDs = users
            onward.newDeliveries = nil
            next.append(
                try JobRequest(
                    function: try FunctionName(validating: batch.channel.sendFunction), input: onward,
                    lane: context.lane,
                    tenantID: batch.tenantID))
        }
        for failure in failures {
            writes.append(
                TimelineWrites.transition(
                    batch, userIDs: [failure.userID], from: ["pending"], to: "dropped", reason: failure.reason.rawValue,
                    event: "dropped", detail: failure.detail))
        }
        var result = FunctionOutput(
            next: next, summary: #"{"rendered":\#(users.count),"failed":\#(failures.count)}"#)
        if !users.isEmpty {
            result.appendMergeable(
                MergeableWrite(
                    sql: Self.storeSQL,
                    columns: [
                        .repeatedUUID(batch.notificationID, count: users.count),
                        .repeatedText(batch.channel.rawValue, count: users.count), .bigint(users),
                        .text(contents), .repeatedText(batch.tenantID, count: users.count),
                    ]))
        }
        result.writes += writes
        return result
    }

    /// Stores rendered content, given as rows of (notification, channel, user, content, tenant): the
    /// statement of a ``NotifyFunctionKit/MergeableWrite``, so the renders of many jobs are stored in
    /// one statement. Deliveries are named by their unique key, not their id: inside `validate`'s job
    /// (a batch of new deliveries) render runs before the rows, and their ids, exist.
    ///
    /// The table is reached from the rows, one lookup by key each (OFFSET 0 keeps each a lookup):
    /// planned from the statistics, which rightly expect few deliveries in this status, a join
    /// scanned the whole table once per statement (a plan that grew with the table: 35–150 ms per
    /// 250 rows in a 100,000-subscriber broadcast). The update checks the status again: a delivery
    /// dropped while this statement waited for its row (a cancellation, or its content erased by
    /// the tick, see `ContentErasure`) stays dropped instead of coming back rendered.
    static let storeSQL = """
        UPDATE notify.deliveries AS d
        SET content = f.content::jsonb, status = 'rendered', updated_at = now()
        FROM (
            SELECT x.id, r.content
            -- The arrays behind sub-selects: one plan for every batch size (see AutoPreparedStatement).
            FROM unnest((SELECT $1::uuid[]), (SELECT $2::text[]), (SELECT $3::bigint[]), (SELECT $4::text[]),
                        (SELECT $5::text[])) AS r(notification_id, channel, user_id, content, tenant_id)
            CROSS JOIN LATERAL (
                SELECT d.id, d.tenant_id FROM notify.deliveries d
                WHERE d.notification_id = r.notification_id AND d.user_id = r.user_id AND d.channel = r.channel
                  AND d.status = 'pending'
                OFFSET 0
            ) x
            WHERE x.tenant_id = r.tenant_id
        ) AS f
        WHERE d.id = f.id AND d.status = 'pending'
        """
}
