import AsyncHTTPClient
import Crypto
import CryptoExtras
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import NotifyProviders
import NotifySandbox
import Testing

@Suite("FCM and APNs simulators")
struct PushTests {
    func assertion(_ harness: SandboxHarness, keyPEM: String? = nil) throws -> String {
        let document = harness.credentials.serviceAccount(tokenURI: harness.endpoints.tokenURL)
        let now = Int(Date().timeIntervalSince1970)
        return try TestJWT.rs256(
            header: ["alg": "RS256", "typ": "JWT", "kid": document["private_key_id"]!],
            claims: [
                "iss": document["client_email"]!, "aud": document["token_uri"]!, "iat": now, "exp": now + 3600,
                "scope": "https://www.googleapis.com/auth/firebase.messaging",
            ], keyPEM: keyPEM ?? document["private_key"]!)
    }

    func exchange(_ harness: SandboxHarness, assertion: String) async throws -> (status: Int, body: [String: Any]) {
        let answer = try await harness.post(
            "/token",
            body: form([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)]),
            contentType: "application/x-www-form-urlencoded")
        return (answer.status, json(answer.body))
    }

    @Test func fcmTokenFlowAndSend() async throws {
        try await SandboxHarness.run { harness in
            let granted = try await exchange(harness, assertion: try assertion(harness))
            #expect(granted.status == 200)
            let token = try #require(granted.body["access_token"] as? String)
            #expect(granted.body["expires_in"] as? Int == 3599)
            let project = harness.credentials.fcmProjectID
            let message =
                #"{"message":{"token":"device-1","notification":{"title":"Hi","body":"There"},"data":{"notify_delivery_id":"d-9"}}}"#
            let sent = try await harness.post(
                "/v1/projects/\(project)/messages:send", body: message, headers: [("Authorization", "Bearer " + token)])
            #expect(sent.status == 200)
            #expect((json(sent.body)["name"] as? String)?.hasPrefix("projects/\(project)/messages/") == true)
            #expect(harness.sandbox.recorder.messages(provider: .fcm).last?.deliveryID == "d-9")
            let dead = try await harness.post(
                "/v1/projects/\(project)/messages:send", body: #"{"message":{"token":"unregistered-1"}}"#,
                headers: [("Authorization", "Bearer " + token)])
            #expect(dead.status == 404)
            let details = (json(dead.body)["error"] as? [String: Any])?["details"] as? [[String: Any]]
            #expect(details?.first?["errorCode"] as? String == "UNREGISTERED")
            let reserved = try await harness.post(
                "/v1/projects/\(project)/messages:send",
                body: #"{"message":{"token":"device-2","data":{"google.sent_time":"1"}}}"#,
                headers: [("Authorization", "Bearer " + token)])
            #expect(reserved.status == 400, "FCM refuses data keys it reserves")
            #expect((json(reserved.body)["error"] as? [String: Any])?["status"] as? String == "INVALID_ARGUMENT")
            #expect(harness.sandbox.recorder.messages(provider: .fcm).last?.status == "fcm_INVALID_ARGUMENT")
            let anonymous = try await harness.post(
                "/v1/projects/\(project)/messages:send", body: message,
                headers: [("Authorization", "Bearer ya29.forged")])
            #expect(anonymous.status == 401)
        }
    }

    @Test func fcmRefusesAssertionSignedByAnotherKey() async throws {
        try await SandboxHarness.run { harness in
            let otherKey = try _RSA.Signing.PrivateKey(keySize: .bits2048).pkcs8PEMRepresentation
            let refused = try await exchange(harness, assertion: try assertion(harness, keyPEM: otherKey))
            #expect(refused.status == 400)
            #expect(refused.body["error"] as? String == "invalid_grant")
        }
    }

    func apnsClient(_ harness: SandboxHarness) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([try harness.sandbox.certificateAuthority.caCertificate()])
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = tls
        configuration.httpVersion = .automatic
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func apnsPush(
        _ harness: SandboxHarness, client: HTTPClient, device: String, jwt: String, payload: String? = nil
    )
        async throws -> (status: Int, version: HTTPVersion, headers: HTTPHeaders, body: [String: Any])
    {
        var request = HTTPClientRequest(url: harness.endpoints.apnsURL + "/3/device/" + device)
        request.method = .POST
        request.headers.add(name: "authorization", value: "bearer " + jwt)
        request.headers.add(name: "apns-topic", value: "com.example.app")
        request.headers.add(name: "apns-push-type", value: "alert")
        request.headers.add(name: "apns-priority", value: "10")
        request.body = .bytes(ByteBuffer(string: payload ?? #"{"aps":{"alert":{"title":"Hi","body":"There"}}}"#))
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 16)
        return (Int(response.status.code), response.version, response.headers, json(String(buffer: body)))
    }

    @Test func apnsOverHTTP2WithTLS() async throws {
        try await SandboxHarness.run { harness in
            let client = try apnsClient(harness)
            do {
                let credentials = harness.credentials
                let jwt = try TestJWT.es256(
                    keyID: credentials.apnsKeyID, teamID: credentials.apnsTeamID, issuedAt: Date(),
                    keyPEM: credentials.apnsPrivateKeyPEM)
                let device = String(repeating: "ab", count: 32)
                let ok = try await apnsPush(harness, client: client, device: device, jwt: jwt)
                #expect(ok.status == 200)
                #expect(ok.version == .http2)
                #expect(ok.headers.first(name: "apns-id") != nil)
                let gone = try await apnsPush(
                    harness, client: client, device: "41041041" + device.dropFirst(8), jwt: jwt)
                #expect(gone.status == 410)
                #expect(gone.body["reason"] as? String == "Unregistered")
                #expect(gone.body["timestamp"] is Int)
                let big = #"{"aps":{"alert":""# + String(repeating: "x", count: 5000) + #""}}"#
                let tooLarge = try await apnsPush(harness, client: client, device: device, jwt: jwt, payload: big)
                #expect(tooLarge.status == 413)
                #expect(tooLarge.body["reason"] as? String == "PayloadTooLarge")
                let churned = try TestJWT.es256(
                    keyID: credentials.apnsKeyID, teamID: credentials.apnsTeamID, issuedAt: Date() - 60,
                    keyPEM: credentials.apnsPrivateKeyPEM)
                let churn = try await apnsPush(harness, client: client, device: device, jwt: churned)
                #expect(churn.status == 429)
                #expect(churn.body["reason"] as? String == "TooManyProviderTokenUpdates")
                let stale = try TestJWT.es256(
                    keyID: credentials.apnsKeyID, teamID: credentials.apnsTeamID, issuedAt: Date() - 7200,
                    keyPEM: credentials.apnsPrivateKeyPEM)
                let expired = try await apnsPush(harness, client: client, device: device, jwt: stale)
                #expect(expired.body["reason"] as? String == "ExpiredProviderToken")
                let forged = try TestJWT.es256(
                    keyID: credentials.apnsKeyID, teamID: credentials.apnsTeamID, issuedAt: Date(),
                    keyPEM: P256.Signing.PrivateKey().pemRepresentation)
                let refused = try await apnsPush(harness, client: client, device: device, jwt: forged)
                #expect(refused.status == 403)
                #expect(refused.body["reason"] as? String == "InvalidProviderToken")
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }
}
