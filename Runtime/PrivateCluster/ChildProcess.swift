import Dispatch
import Foundation
import Synchronization

/// Runs one child process and awaits its exit without blocking Swift's cooperative thread pool.
///
/// The exit is delivered by `Process.terminationHandler` into a continuation; standard output and
/// standard error go to one temporary file, read after the exit. The child's standard input is
/// `/dev/null`.
struct ChildProcess: Sendable {
    /// How a finished child ended and what it wrote.
    struct Outcome: Sendable {
        /// The exit status, or the signal number when ``exitedBySignal`` is true.
        let status: Int32
        /// Whether the child was ended by a signal.
        let exitedBySignal: Bool
        /// Whether the child was terminated because it outlived its time limit.
        let timedOut: Bool
        /// Everything the child wrote to standard output and standard error, interleaved.
        let output: String

        /// Whether the child exited normally with status 0.
        var succeeded: Bool { status == 0 && !exitedBySignal && !timedOut }

        /// The last `lines` lines of ``output``.
        func tail(_ lines: Int = 25) -> String { ChildProcess.tail(of: output, lines: lines) }

        /// A short phrase saying how the child ended, e.g. "exited with status 1".
        var endedHow: String {
            if timedOut { return "was stopped after running too long" }
            if exitedBySignal { return "was killed by signal \(status)" }
            return "exited with status \(status)"
        }
    }

    /// The program to run, as an absolute path.
    var executable: String
    /// The arguments after the program name.
    var arguments: [String]
    /// The child's environment.
    var environment: [String: String]
    /// The child's working directory.
    var workingDirectory: String = "/"
    /// How long the child may run before it is sent SIGTERM.
    var timeout: Duration = .seconds(120)

    /// The command line, for logs and error messages.
    var commandLine: String {
        ([executable] + arguments).map(ChildProcess.shellQuoted).joined(separator: " ")
    }

    /// Starts the child and suspends until it has exited and its output has been read.
    ///
    /// - Returns: How the child ended and what it wrote; a non-zero exit is not an error here.
    /// - Throws: The error from `Process.run()` when the program could not be started at all.
    func run() async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory, isDirectory: true)
        process.standardInput = FileHandle.nullDevice
        // Output goes to a temporary file, read once the child has exited: a pipe would need a
        // reader, and a blocking read on Dispatch's threads starves Swift's cooperative pool on
        // Linux, where the two share threads.
        let outputPath = NSTemporaryDirectory() + "notify-child-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        let collector = Collector()

        return try await withCheckedThrowingContinuation { continuation in
            collector.install(continuation)
            process.terminationHandler = { finished in
                let bySignal = finished.terminationReason == .uncaughtSignal
                try? output.close()
                let data = (try? Data(contentsOf: URL(fileURLWithPath: outputPath))) ?? Data()
                try? FileManager.default.removeItem(atPath: outputPath)
                collector.append(data)
                collector.outputEnded()
                collector.exited(status: finished.terminationStatus, bySignal: bySignal)
            }
            // `Process.run()` can block in Foundation on Linux: launch from a thread of its own.
            let launch = UncheckedProcess(process: process)
            Thread.detachNewThread {
                do {
                    try launch.process.run()
                } catch {
                    try? output.close()
                    try? FileManager.default.removeItem(atPath: outputPath)
                    collector.failedToLaunch(error)
                    return
                }
            }
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                if process.isRunning {
                    collector.markTimedOut()
                    process.terminate()
                }
            }
        }
    }

    /// Quotes one word for a POSIX shell (`'…'`, with embedded quotes escaped).
    static func shellQuoted(_ word: String) -> String {
        let plain = word.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (CharacterSet.alphanumerics.contains(scalar) || "-_./=:@%+,".unicodeScalars.contains(scalar))
        }
        if plain && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The last `lines` non-empty-trimmed lines of `text`, at most 8 KiB.
    static func tail(of text: String, lines: Int) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var kept = trimmed.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines)
            .joined(separator: "\n")
        if kept.utf8.count > 8192 {
            kept = "…" + String(decoding: kept.utf8.suffix(8192), as: UTF8.self)
        }
        return kept
    }
}

extension ChildProcess {
    /// Gathers a child's output and exit, and resumes the waiting task once both are in.
    private final class Collector: Sendable {
        private struct State {
            var output = Data()
            var outputEnded = false
            var exit: (status: Int32, bySignal: Bool)?
            var timedOut = false
            var continuation: CheckedContinuation<Outcome, any Error>?
        }

        private let state = Mutex(State())

        func install(_ continuation: CheckedContinuation<Outcome, any Error>) {
            state.withLock { $0.continuation = continuation }
        }

        func append(_ chunk: Data) {
            state.withLock { state in
                // Keep memory bounded for chatty children: only the tail is ever shown.
                state.output.append(chunk)
                if state.output.count > 1 << 20 {
                    state.output = Data(state.output.suffix(512 << 10))
                }
            }
        }

        /// Records end-of-file; returns whether this call was the one that ended the output.
        @discardableResult
        func outputEnded() -> Bool {
            let (first, ready) = state.withLock {
                state -> (Bool, (CheckedContinuation<Outcome, any Error>, Outcome)?) in
                let first = !state.outputEnded
                state.outputEnded = true
                return (first, Self.takeIfComplete(&state))
            }
            if let (continuation, outcome) = ready { continuation.resume(returning: outcome) }
            return first
        }

        func exited(status: Int32, bySignal: Bool) {
            let ready = state.withLock { state in
                state.exit = (status, bySignal)
                return Self.takeIfComplete(&state)
            }
            if let (continuation, outcome) = ready { continuation.resume(returning: outcome) }
        }

        func markTimedOut() {
            state.withLock { $0.timedOut = true }
        }

        func failedToLaunch(_ error: any Error) {
            let continuation = state.withLock { state in
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(throwing: error)
        }

        private static func takeIfComplete(
            _ state: inout State
        ) -> (CheckedContinuation<Outcome, any Error>, Outcome)? {
            guard state.outputEnded, let exit = state.exit, let continuation = state.continuation else { return nil }
            state.continuation = nil
            let outcome = Outcome(
                status: exit.status,
                exitedBySignal: exit.bySignal,
                timedOut: state.timedOut,
                output: String(decoding: state.output, as: UTF8.self)
            )
            return (continuation, outcome)
        }
    }
}
