import ArgumentParser
import Foundation
import NotifyAPI
import NotifyModel
import NotifyRuntime
import PostgresNIO

/// `notify campaign list|show|pause|resume|cancel|watch`: operate a tenant's campaigns from the
/// command line, on the database directly (the same rules as the API).
struct CampaignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "List, inspect, pause, resume, cancel and watch campaigns.",
        discussion: """
            Create campaigns with POST /v1/campaigns. Examples:
              notify campaign list --tenant demo
              notify campaign watch --tenant demo 0b7e4e1c-1f8e-4b5e-9c1a-3f2d6c1e9a10
              notify campaign pause --tenant demo 0b7e4e1c-1f8e-4b5e-9c1a-3f2d6c1e9a10
            """,
        subcommands: [List.self, Show.self, Pause.self, Resume.self, Cancel.self, Watch.self])

    struct TenantOption: ParsableArguments {
        @Option(help: "The tenant that owns the campaigns.") var tenant: String
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The newest campaigns.")
        @OptionGroup var tenant: TenantOption
        @Option(help: "How many to show (1-500).") var limit = 20
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard (1...500).contains(limit) else { throw ValidationError("--limit must be 1 to 500") }
            let campaigns = try await CampaignCommand.withControl { control in
                try await control.list(tenantID: tenant.tenant, limit: limit)
            }
            if campaigns.isEmpty, try await !CampaignCommand.tenantExists(tenant.tenant) {
                fail("tenant \"\(tenant.tenant)\" does not exist (create it with notify tenants create)")
            }
            if json {
                print(try CampaignCommand.json(campaigns))
                return
            }
            let rows = campaigns.map { campaign in
                [
                    campaign.id.uuidString.lowercased(), campaign.name, campaign.status.rawValue,
                    "\(campaign.released)/\(campaign.planned)", campaign.ratePerSecond.map { "\($0)/s" } ?? "-",
                ]
            }
            print(Table(header: ["ID", "NAME", "STATUS", "RELEASED", "RATE"], rows: rows).render())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One campaign's progress.")
        @OptionGroup var tenant: TenantOption
        @Argument(help: "The campaign id.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let campaignID = try CampaignCommand.parse(id)
            let progress = try await CampaignCommand.withControl { control in
                try await control.progress(campaignID: campaignID, tenantID: tenant.tenant)
            }
            guard let progress else { fail("no campaign \(id) exists for tenant \(tenant.tenant)") }
            print(json ? try CampaignCommand.json(progress) : CampaignProgressLine(progress, perSecond: nil).text)
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pause", abstract: "Pause a campaign; resume continues where it stopped.")
        @OptionGroup var tenant: TenantOption
        @Argument(help: "The campaign id.") var id: String
        func run() async throws { try await CampaignCommand.perform(.pause, id: id, tenant: tenant.tenant) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused campaign.")
        @OptionGroup var tenant: TenantOption
        @Argument(help: "The campaign id.") var id: String
        func run() async throws { try await CampaignCommand.perform(.resume, id: id, tenant: tenant.tenant) }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel", abstract: "Cancel a campaign; recipients not yet released are dropped.")
        @OptionGroup var tenant: TenantOption
        @Argument(help: "The campaign id.") var id: String
        func run() async throws { try await CampaignCommand.perform(.cancel, id: id, tenant: tenant.tenant) }
    }

    static func perform(_ action: CampaignControl.Action, id: String, tenant: String) async throws {
        let campaignID = try parse(id)
        do {
            let status = try await withControl { control in
                try await control.perform(action, campaignID: campaignID, tenantID: tenant)
            }
            print("campaign \(id): \(status.rawValue)")
        } catch let error as APIError {
            fail(refusal(error, id: id, tenant: tenant))
        } catch let error as PostgresTransactionError {
            // The control runs in a transaction: its refusal comes back wrapped.
            guard let refused = error.closureError as? APIError else { throw error }
            fail(refusal(refused, id: id, tenant: tenant))
        }
    }

    /// The one line for the control's refusal, worded as the other commands word theirs: a missing
    /// campaign as `show` says it, anything else by its detail, without the API's code.
    static func refusal(_ error: APIError, id: String, tenant: String) -> String {
        error.code == "campaign_not_found" ? "no campaign \(id) exists for tenant \(tenant)" : error.detail
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "watch",
            abstract: "A live progress bar until the campaign is finished and every delivery settled (Ctrl-C stops).")
        @OptionGroup var tenant: TenantOption
        @Argument(help: "The campaign id.") var id: String
        @Option(help: "Seconds between updates.") var interval = 1.0

        func run() async throws {
            guard interval >= 0.2 else { throw ValidationError("--interval must be at least 0.2 seconds") }
            let campaignID = try CampaignCommand.parse(id)
            let interactive = isatty(STDOUT_FILENO) == 1
            try await CampaignCommand.withControl { control in
                var previous: (sent: Int, at: ContinuousClock.Instant)?
                while true {
                    guard let progress = try await control.progress(campaignID: campaignID, tenantID: tenant.tenant)
                    else { fail("no campaign \(id) exists for tenant \(tenant.tenant)") }
                    let now = ContinuousClock.now
                    let rate = previous.map { Double(progress.deliveries.sent - $0.sent) / (now - $0.at).seconds }
                    previous = (progress.deliveries.sent, now)
                    let line = CampaignProgressLine(progress, perSecond: rate).text
                    if interactive {
                        FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + line).utf8))
                    } else {
                        print(line)
                    }
                    if progress.status.isFinished && progress.deliveries.waiting == 0 {
                        if interactive { print("") }
                        return
                    }
                    try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
                }
            }
        }
    }

    /// Whether `tenantID` names a tenant.
    static func tenantExists(_ tenantID: String) async throws -> Bool {
        let environment = CommandEnvironment()
        let url = try environment.resolveDatabase()
        return try await withPostgresClient(url, logger: environment.logger) { client in
            try await client.query("SELECT 1 FROM notify.tenants WHERE id = \(tenantID)", logger: environment.logger)
                .collect().isEmpty == false
        }
    }

    static func parse(_ id: String) throws -> UUID {
        guard let uuid = UUID(uuidString: id) else { throw ValidationError("the campaign id must be a UUID") }
        return uuid
    }

    static func withControl<T: Sendable>(_ body: @Sendable (CampaignControl) async throws -> T) async throws -> T {
        let environment = CommandEnvironment()
        let url = try environment.resolveDatabase()
        return try await withPostgresClient(url, logger: environment.logger) { client in
            let producer = JobProducer(client: client, catalog: FunctionDirectory.all, logger: environment.logger)
            return try await body(CampaignControl(client: client, producer: producer, logger: environment.logger))
        }
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// One line of campaign progress: a bar of released recipients and the delivery counts.
struct CampaignProgressLine {
    let text: String

    init(_ progress: CampaignProgress, perSecond: Double?) {
        let width = 30
        let filled = Int((progress.releasedFraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let percent = Int((progress.releasedFraction * 100).rounded(.down))
        let counts = progress.deliveries
        var parts = [
            "[\(bar)] \(percent)%", progress.status.rawValue,
            "released \(progress.released)/\(progress.planned)\(progress.expanded ? "" : "+")",
            "sent \(counts.sent)", "failed \(counts.failed)", "dropped \(counts.dropped)", "waiting \(counts.waiting)",
        ]
        if counts.unknown > 0 { parts.append("unknown \(counts.unknown)") }
        if let perSecond, perSecond.isFinite { parts.append("\(Int(max(0, perSecond).rounded()))/s") }
        text = parts.joined(separator: "  ")
    }
}
