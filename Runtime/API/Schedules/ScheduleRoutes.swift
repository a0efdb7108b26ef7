import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// `/v1/schedules`: a tenant's recurring schedules. Every query names the tenant, so a tenant
/// never sees, changes or deletes another's schedule (it gets 404 `schedule_not_found`).
///
/// The leader's `schedule-tick` releases each occurrence (see `RecurringRelease`). Creating a
/// schedule, changing its cron or zone, or resuming it sets the next release to the first
/// occurrence after now: time spent paused is not "missed".
struct ScheduleRoutes: Sendable {
    let dependencies: APIDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("schedules") { request, context in try await create(request, context) }
        group.get("schedules") { _, context in try await list(context) }
        group.get("schedules/{id}") { _, context in try await get(context) }
        group.patch("schedules/{id}") { request, context in try await update(request, context) }
        group.delete("schedules/{id}") { _, context in try await delete(context) }
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let body = try await JSONBody.decode(
            ScheduleRequest.self, from: request, allowedKeys: ScheduleRequest.createFields)
        let id = try body.checkedID()
        guard let cronText = body.cron, let zoneName = body.timezone, let notification = body.notification else {
            let missing =
                [("cron", body.cron == nil), ("timezone", body.timezone == nil)]
                .filter(\.1).map { "\"\($0.0)\"" } + (body.notification == nil ? ["\"notification\""] : [])
            throw APIError(
                .badRequest, code: "missing_field",
                "\(missing.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") required; a schedule needs a cron expression, a timezone (or \"recipient\") and the notification to send"
            )
        }
        let clock = ScheduleClock(
            cron: try ScheduleRequest.checkedCron(cronText), zone: try ScheduleRequest.checkedZone(zoneName))
        let policy = try body.checkedPolicy() ?? "run_once"
        let stored = try notification.scheduledJSON()
        _ = try await NotificationChecks(dependencies: dependencies, tenantID: tenantID).check(notification)
        let first = try ScheduleRequest.firstRelease(clock, after: Date())
        let inserted = try await dependencies.rows(
            """
            INSERT INTO notify.schedules (tenant_id, id, cron, timezone, notification, missed_policy, paused, next_run_at)
            VALUES (\(tenantID), \(id), \(clock.cron.text), \(clock.zone.name), \(stored)::jsonb, \(policy),
                    \(body.paused ?? false), \(first))
            ON CONFLICT (tenant_id, id) DO NOTHING
            RETURNING id
            """)
        guard !inserted.isEmpty else {
            throw APIError(
                .conflict, code: "schedule_exists",
                "a schedule \"\(id)\" already exists; change it with PATCH /v1/schedules/\(id) or choose another id")
        }
        let view = try await ScheduleView.load(dependencies, tenantID: tenantID, id: id).first ?? [:]
        return try APIResponse.json(
            view, status: .created, headers: [.location: "/v1/schedules/\(id)"])
    }

    func list(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let views = try await ScheduleView.load(dependencies, tenantID: tenantID, id: nil)
        return try APIResponse.json(["schedules": views], status: .ok)
    }

    func get(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try scheduleID(context)
        guard let view = try await ScheduleView.load(dependencies, tenantID: tenantID, id: id).first else {
            throw APIError.notFound("schedule", id)
        }
        return try APIResponse.json(view, status: .ok)
    }

    /// Pauses, resumes or changes a schedule. A new cron or zone, or a resume, moves the next
    /// release to the first occurrence after now.
    func update(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try scheduleID(context)
        let body = try await JSONBody.decode(
            ScheduleRequest.self, from: request, allowedKeys: ScheduleRequest.patchFields)
        let policy = try body.checkedPolicy()
        let cron = try body.cron.map(ScheduleRequest.checkedCron)
        let zone = try body.timezone.map(ScheduleRequest.checkedZone)
        let stored = try body.notification?.scheduledJSON()
        if let notification = body.notification {
            _ = try await NotificationChecks(dependencies: dependencies, tenantID: tenantID).check(notification)
        }
        try await dependencies.client.withTransaction(logger: context.logger) { connection in
            let current = try await connection.query(
                """
                SELECT cron, timezone, paused FROM notify.schedules
                WHERE tenant_id = \(tenantID) AND id = \(id) FOR UPDATE
                """, logger: context.logger
            ).collect().first?.decode((String, String, Bool).self)
            guard let (currentCron, currentZone, wasPaused) = current else {
                throw APIError.notFound("schedule", id)
            }
            let clock = ScheduleClock(
                cron: try cron ?? ScheduleRequest.checkedCron(currentCron),
                zone: try zone ?? ScheduleRequest.checkedZone(currentZone))
            let paused = body.paused ?? wasPaused
            let retime = cron != nil || zone != nil || (wasPaused && !paused)
            let next = retime ? try ScheduleRequest.firstRelease(clock, after: Date()) : nil
            try await connection.query(
                """
                UPDATE notify.schedules
                SET cron = \(clock.cron.text), timezone = \(clock.zone.name),
                    notification = coalesce(\(stored)::jsonb, notification),
                    missed_policy = coalesce(\(policy), missed_policy), paused = \(paused),
                    next_run_at = CASE WHEN \(retime) THEN \(next) ELSE next_run_at END, updated_at = now()
                WHERE tenant_id = \(tenantID) AND id = \(id)
                """, logger: context.logger)
        }
        let view = try await ScheduleView.load(dependencies, tenantID: tenantID, id: id).first ?? [:]
        return try APIResponse.json(view, status: .ok)
    }

    func delete(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try scheduleID(context)
        let rows = try await dependencies.rows(
            "DELETE FROM notify.schedules WHERE tenant_id = \(tenantID) AND id = \(id) RETURNING id")
        guard !rows.isEmpty else { throw APIError.notFound("schedule", id) }
        return APIResponse.noContent
    }

    private func scheduleID(_ context: APIRequestContext) throws -> String {
        let id = context.parameters.get("id")?.removingPercentEncoding ?? ""
        guard id.wholeMatch(of: /[a-z0-9][a-z0-9_-]{1,62}/) != nil else {
            throw APIError(
                .badRequest, code: "invalid_schedule_id",
                "schedule id \"\(id.prefix(70))\" is not valid; use the \"id\" answered by POST /v1/schedules")
        }
        return id
    }
}
