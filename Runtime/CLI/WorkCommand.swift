import ArgumentParser
import Foundation
import Logging
import NotifyHTTP
import NotifyRuntime
import PostgresNIO
import ServiceLifecycle

struct WorkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract: "Claim and run jobs of some functions until SIGTERM or SIGINT.",
        discussion: """
            Each function can be deployed as its own process:
              notify work --functions send-sms
              notify work --functions validate,preference-filter,render --concurrency 64
            Every worker also campaigns for scheduler leadership unless --no-lead is given; one wins. \
            On SIGTERM the worker stops claiming, lets running jobs finish (--shutdown-grace-ms), \
            releases the rest so they are claimable at once, and exits 0.
            """)

    @Option(
        help:
            "Comma-separated functions to run (default: all). One of: \(FunctionDirectory.queued.names.map(\.rawValue).sorted().joined(separator: ", "))."
    )
    var functions: String?

    @OptionGroup var workerOptions: WorkerOptions

    @Flag(inversion: .prefixedNo, help: "Campaign for scheduler leadership (runs schedule-tick when elected).")
    var lead = true

    @Option(help: "Serve /healthz, /readyz and /metrics on this port (default: no listener).")
    var httpPort: Int?

    @Option(help: "Address for --http-port.")
    var httpHost = "127.0.0.1"

    func validate() throws {
        try PortOption.check("--http-port", httpPort)
        if let functions,
            functions.split(separator: ",").allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty })
        {
            throw ValidationError(
                "--functions names no function; give one or more, such as --functions send-sms,send-email, or leave it out to run all"
            )
        }
    }

    func run() async throws {
        let environment = CommandEnvironment()
        let url = try environment.resolveDatabase()
        let catalog: FunctionCatalog
        do {
            let names = functions?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let queued = FunctionDirectory.queued(
                delivery: try DeliverySupport.required(for: names, environment: environment))
            catalog = try names.map { try queued.restricted(to: $0) } ?? queued
        } catch let error as RuntimeError {
            throw ValidationError(error.message)
        }
        try await RuntimeLauncher(
            environment: environment, url: url, catalog: catalog, workerOptions: workerOptions, lead: lead,
            httpHost: httpHost, httpPort: httpPort
        ).run()
    }
}
