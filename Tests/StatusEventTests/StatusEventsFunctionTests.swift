import AsyncHTTPClient
import Logging
import NotifyFunctionKit
import PostgresNIO
import StatusEventsFunction
import Testing

/// `deliver-status-events` on its own, without the runtime.
@Suite struct StatusEventsFunctionTests {
    @Test func withoutEncryptionKeysAJobFailsTransientlyNamingTheSetting() async throws {
        let function = StatusEventsFunction(cipher: nil, httpClient: HTTPClient.shared)
        // Never run: the function must fail before touching the database.
        let client = PostgresClient(
            configuration: .init(host: "127.0.0.1", username: "none", password: nil, database: nil, tls: .disable))
        let context = FunctionContext(
            jobID: 1, attempt: 1, maxAttempts: 3, deadline: .now + .seconds(5), tenantID: "acme", lane: .bulk,
            logger: Logger(label: "test"), database: FunctionDatabase(client: client), clock: SystemClock())
        let error = await #expect(throws: FunctionError.self) {
            try await function.handle(.init(tenantID: "acme", subscriptionID: "sub_x"), context: context)
        }
        #expect(error?.failureKind == .transient)
        #expect(error?.code == "encryption_keys_missing")
        #expect(error?.message.contains("NOTIFY_ENCRYPTION_KEYS") == true)
    }
}
