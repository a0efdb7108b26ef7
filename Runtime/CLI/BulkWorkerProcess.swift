import Crypto
import Foundation
import Logging
import NotifyModel
import NotifyRuntime

/// A campaign worker in a process of its own, at a lower CPU priority (`nice`): the deployment
/// `notify bench priority --bulk-process-nice N` measures. It runs
/// `notify work --min-lane transactional` (never critical work) with the pipeline and push
/// functions, against the benchmark's database and with the benchmark's keys, while the
/// benchmark's own worker keeps only the critical lane.
final class BulkWorkerProcess: Sendable {
    /// The keys the benchmark and the child share, as the child reads them from its environment.
    struct Keys: Sendable {
        let encryption: String
        let lookup: String
        let token: String

        static func generate() -> Keys {
            func random() -> String { SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString() }
            return Keys(encryption: ContactCipher.generateKeySpec(id: "k1"), lookup: random(), token: random())
        }

        func cipher() throws -> ContactCipher { try ContactCipher.parse(encryption) }
        func hasher() throws -> LookupHasher { try LookupHasher.parse(base64: lookup) }
    }

    private let process: Process

    /// Starts `notify work` under `nice -n niceness` for `functions`.
    init(databaseURL: DatabaseURL, keys: Keys, niceness: Int, functions: [String]) throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nice")
        process.arguments = [
            "-n", String(niceness), executable, "work", "--min-lane", "transactional", "--functions",
            functions.joined(separator: ","), "--no-lead",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = databaseURL.secretURLString
        environment["NOTIFY_ENCRYPTION_KEYS"] = keys.encryption
        environment["NOTIFY_LOOKUP_KEY"] = keys.lookup
        environment["NOTIFY_TOKEN_KEY"] = keys.token
        environment["NOTIFY_LOG_LEVEL"] = environment["NOTIFY_LOG_LEVEL"] ?? "warning"
        process.environment = environment
        try process.run()
        self.process = process
    }

    /// Whether the child is still running.
    var isRunning: Bool { process.isRunning }

    /// Sends SIGTERM and waits (without blocking a thread) for the child to exit, up to `timeout`;
    /// then SIGKILL.
    func stop(timeout: Duration = .seconds(30)) async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
