import ArgumentParser
import Foundation
import NotifyAPI

/// `notify schedules list|pause|resume`: operate a tenant's recurring schedules from the command
/// line, on the database directly (the same rules as `PATCH /v1/schedules/{id}`).
struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules",
        abstract: "List, pause and resume recurring schedules.",
        discussion: """
            Create and change schedules with POST and PATCH /v1/schedules. Examples:
              notify schedules list --tenant demo
              notify schedules pause --tenant demo daily-digest
              notify schedules resume --tenant demo daily-digest
            A resumed schedule next runs at its first occurrence after now: occurrences missed \
            while it was paused are not made up.
            """,
        subcommands: [List.self, Pause.self, Resume.self])

    struct TenantOption: ParsableArguments {
        @Option(help: "The tenant that owns the schedules.") var tenant: String
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The tenant's schedules.")
        @OptionGroup var tenant: TenantOption
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let schedules = try await SchedulesCommand.withControl { try await $0.list(tenantID: tenant.tenant) }
            if schedules.isEmpty, try await !CampaignCommand.tenantExists(tenant.tenant) {
                fail("tenant \"\(tenant.tenant)\" does not exist (create it with notify tenants create)")
            }
            if json {
                print(try CampaignCommand.json(schedules))
                return
            }
            let rows = schedules.map { schedule in
                [
                    schedule.id, schedule.cron, schedule.timezone, schedule.paused ? "paused" : "active",
                    schedule.nextReleaseAt.map { $0.formatted(.iso8601) } ?? "-", String(schedule.releasedCount),
                    schedule.lastError ?? "",
                ]
            }
            print(
                Table(header: ["ID", "CRON", "TIMEZONE", "STATE", "NEXT", "RELEASED", "LAST ERROR"], rows: rows)
                    .render())
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop releasing a schedule.")
        @OptionGroup var tenant: TenantOption
        @Argument(help: "The schedule id.") var id: String
        func run() async throws { try await SchedulesCommand.setPaused(true, id: id, tenant: tenant.tenant) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume", abstract: "Release a paused schedule again, from its next occurrence.")
        @OptionGroup var tenant: TenantOption
        @Argument(help: "The schedule id.") var id: String
        func run() async throws { try await SchedulesCommand.setPaused(false, id: id, tenant: tenant.tenant) }
    }

    static func setPaused(_ paused: Bool, id: String, tenant: String) async throws {
        do {
            let schedule = try await withControl { try await $0.setPaused(paused, tenantID: tenant, id: id) }
            guard let schedule else { fail("no schedule \(id) exists for tenant \(tenant)") }
            let next = schedule.nextReleaseAt.map { ", next release \($0.formatted(.iso8601))" } ?? ""
            print("schedule \(id): \(schedule.paused ? "paused" : "active")\(schedule.paused ? "" : next)")
        } catch let error as APIError {
            fail("\(error.code): \(error.detail)")
        }
    }

    static func withControl<T: Sendable>(_ body: @Sendable (ScheduleControl) async throws -> T) async throws -> T {
        let environment = CommandEnvironment()
        let url = try environment.resolveDatabase()
        return try await withPostgresClient(url, logger: environment.logger) { client in
            try await body(ScheduleControl(client: client, logger: environment.logger))
        }
    }
}
