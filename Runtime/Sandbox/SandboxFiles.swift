import Foundation
import NIOPosix

/// Writes the files a dev setup reads (credentials, service account, CA) off the cooperative pool.
public enum SandboxFiles {
    /// Writes `data` to `path` atomically on NIO's blocking-I/O thread pool.
    public static func write(_ data: Data, to path: String) async throws {
        do {
            try await NIOThreadPool.singleton.runIfActive {
                try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        } catch {
            throw SandboxError(.invalidConfiguration, "could not write \(path): \(error.localizedDescription)")
        }
    }

    /// Writes the credentials document as pretty JSON, the FCM service account JSON, or the CA PEM.
    public static func write(
        credentials document: SandboxCredentialsDocument, credentialsPath: String?, serviceAccountPath: String?,
        caPath: String?
    ) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if let credentialsPath { try await write(try encoder.encode(document), to: credentialsPath) }
        if let serviceAccountPath {
            try await write(try encoder.encode(document.fcm.serviceAccount), to: serviceAccountPath)
        }
        if let caPath { try await write(Data(document.caPEM.utf8), to: caPath) }
    }
}
