import ArgumentParser
import Foundation
import NotifyRuntime

struct QueuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues",
        abstract: "Show each queue: ready, waiting, in flight, dead, and the age of the oldest ready job.")

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let environment = CommandEnvironment()
        let url = try environment.resolveDatabase()
        let statuses = try await withPostgresClient(url, logger: environment.logger) { client in
            try await QueueInspector(client: client, logger: environment.logger).queues()
        }
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(statuses), as: UTF8.self))
            return
        }
        let rows = statuses.map { status in
            [
                status.queue, "\(status.ready)", "\(status.waiting)", "\(status.inFlight)", "\(status.dead)",
                String(format: "%.1fs", status.oldestReadyAgeSeconds),
            ]
        }
        print(Table(header: ["QUEUE", "READY", "WAITING", "IN FLIGHT", "DEAD", "OLDEST READY"], rows: rows).render())
    }
}

/// A plain text table with aligned columns.
struct Table {
    let header: [String]
    let rows: [[String]]

    func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
