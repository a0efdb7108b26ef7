import Foundation
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process whose output is read without blocking the cooperative pool: its stdout and
/// stderr pipes are NIO channels, and its exit comes through `terminationHandler`.
final class ChildProcess: Sendable {
    private let process: Process
    private let output: OutputBox
    private let lines: AsyncStream<String>
    private let exited: AsyncStream<Int32>

    private struct Output {
        var partialLine: [UInt8] = []
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
    }

    private final class OutputBox: Sendable {
        let state = Mutex(Output())
    }

    private init(process: Process, output: OutputBox, lines: AsyncStream<String>, exited: AsyncStream<Int32>) {
        self.process = process
        self.output = output
        self.lines = lines
        self.exited = exited
    }

    /// Starts `executable` with `arguments`; stdout lines are available from `nextLine`.
    static func launch(executable: String, arguments: [String]) async throws -> ChildProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let (lines, lineSink) = AsyncStream.makeStream(of: String.self)
        let (exited, exitSink) = AsyncStream.makeStream(of: Int32.self)
        let output = OutputBox()
        process.terminationHandler = { process in
            exitSink.yield(process.terminationStatus)
            exitSink.finish()
        }
        try process.run()
        try? stdout.fileHandleForWriting.close()
        try? stderr.fileHandleForWriting.close()

        try await read(stdout) { bytes in
            let complete = output.state.withLock { output -> [String] in
                output.stdout += bytes
                output.partialLine += bytes
                var found: [String] = []
                while let newline = output.partialLine.firstIndex(of: 10) {
                    found.append(String(decoding: output.partialLine[..<newline], as: UTF8.self))
                    output.partialLine.removeSubrange(...newline)
                }
                return found
            }
            complete.forEach { lineSink.yield($0) }
        } onEnd: {
            lineSink.finish()
        }
        try await read(stderr) { bytes in
            output.state.withLock { $0.stderr += bytes }
        } onEnd: {
        }
        return ChildProcess(process: process, output: output, lines: lines, exited: exited)
    }

    /// Hands the pipe's read end to NIO, which reads it on an event loop until EOF.
    private static func read(
        _ pipe: Pipe, onData: @escaping @Sendable ([UInt8]) -> Void, onEnd: @escaping @Sendable () -> Void
    ) async throws {
        let descriptor = dup(pipe.fileHandleForReading.fileDescriptor)
        try pipe.fileHandleForReading.close()
        _ = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PipeReader(onData: onData, onEnd: onEnd))
                }
            }
            .takingOwnershipOfDescriptor(input: descriptor).get()
    }

    /// Everything written to stderr so far, for failure messages.
    var standardError: String { output.state.withLock { String(decoding: $0.stderr, as: UTF8.self) } }

    /// Everything written to stdout so far.
    var standardOutput: String { output.state.withLock { String(decoding: $0.stdout, as: UTF8.self) } }

    /// The next stdout line starting with `prefix`, or nil when output ends or time runs out.
    func nextLine(startingWith prefix: String, timeout: Duration) async -> String? {
        let lines = self.lines
        return await withDeadline(timeout) {
            for await line in lines where line.hasPrefix(prefix) { return line }
            return nil
        } ?? nil
    }

    /// Waits for the process to exit, up to `timeout`; returns its status, or nil on timeout.
    func waitForExit(timeout: Duration) async -> Int32? {
        let exited = self.exited
        return await withDeadline(timeout) {
            for await status in exited { return status }
            return nil
        } ?? nil
    }

    /// Sends SIGTERM and waits for the exit.
    func terminate() async {
        if process.isRunning { process.terminate() }
        _ = await waitForExit(timeout: .seconds(10))
    }

    /// Runs a command to completion and returns its status and output.
    static func run(
        executable: String, arguments: [String], timeout: Duration
    ) async throws -> (
        status: Int32?, stdout: String, stderr: String
    ) {
        let child = try await launch(executable: executable, arguments: arguments)
        let status = await child.waitForExit(timeout: timeout)
        if status == nil { await child.terminate() }
        // Read stdout to its end so late output is not lost.
        _ = await child.nextLine(startingWith: "\u{0}never", timeout: .seconds(5))
        return (status, child.standardOutput, child.standardError)
    }
}

/// Passes a pipe's bytes on as they arrive and reports EOF.
private final class PipeReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let onData: @Sendable ([UInt8]) -> Void
    private let onEnd: @Sendable () -> Void

    init(onData: @escaping @Sendable ([UInt8]) -> Void, onEnd: @escaping @Sendable () -> Void) {
        self.onData = onData
        self.onEnd = onEnd
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onData(Array(unwrapInboundIn(data).readableBytesView))
    }

    func channelInactive(context: ChannelHandlerContext) {
        onEnd()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Runs `body`, giving up after `timeout`; the sleep is the deadline, not a wait for state.
func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async -> T) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await body() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
