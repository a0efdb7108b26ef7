import Foundation
import JWTKit
import NotifyModel
import Testing

@Suite struct AccessTokenIssuerTests {
    static let key = [UInt8](repeating: 7, count: 32)
    /// 2023-11-14T22:13:20Z: long past, so only an injected clock can accept these tokens.
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func issue(
        _ issuer: AccessTokenIssuer, lifetime: Duration = .seconds(300), at time: Date = now
    ) async throws -> String {
        try await issuer.issue(
            tenantID: "tenant-1", clientID: "client-1", scopes: ["notify:send", "subscribers:write"],
            lifetime: lifetime, now: time)
    }

    @Test func issuesAndVerifiesWithTheInjectedClock() async throws {
        let issuer = await AccessTokenIssuer(signingKey: Self.key)
        let token = try await Self.issue(issuer)
        #expect(token.split(separator: ".").count == 3)

        let claims = try await issuer.verify(token, now: Self.now.addingTimeInterval(299))
        #expect(claims.tenantID == "tenant-1")
        #expect(claims.sub.value == "tenant-1")
        #expect(claims.clientID == "client-1")
        #expect(claims.scope == "notify:send subscribers:write")
        #expect(claims.scopes == ["notify:send", "subscribers:write"])
        #expect(claims.iss.value == "notify")
        #expect(claims.iat.value == Self.now)
        #expect(claims.exp.value == Self.now.addingTimeInterval(300))
        #expect(!claims.jti.value.isEmpty)

        let other = try await Self.issue(issuer)
        #expect(try await issuer.verify(other, now: Self.now).jti != claims.jti)
    }

    @Test func theClaimsUseTheStandardJSONNames() async throws {
        let issuer = await AccessTokenIssuer(signingKey: Self.key)
        let token = try await Self.issue(issuer)
        var payload = String(token.split(separator: ".")[1])
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
        let json = try #require(Data(base64Encoded: payload))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(Set(object.keys) == ["sub", "client_id", "scope", "iat", "exp", "iss", "jti"])
        #expect(object["client_id"] as? String == "client-1")
        #expect((object["exp"] as? NSNumber)?.intValue == 1_700_000_300)
    }

    @Test func expiryFollowsTheInjectedClock() async throws {
        let issuer = await AccessTokenIssuer(signingKey: Self.key)
        let token = try await Self.issue(issuer)
        for offset in [300.0, 301, 86_400] {
            let error = await #expect(throws: ModelError.self) {
                try await issuer.verify(token, now: Self.now.addingTimeInterval(offset))
            }
            #expect(error?.code == "token_expired")
        }
        // A token from far in the future is fine at its own time, although the wall clock is earlier.
        let future = Date(timeIntervalSince1970: 4_000_000_000)
        let later = try await Self.issue(issuer, at: future)
        #expect(try await issuer.verify(later, now: future.addingTimeInterval(1)).tenantID == "tenant-1")
        let early = await #expect(throws: ModelError.self) { try await issuer.verify(later, now: Self.now) }
        #expect(early?.code == "invalid_token")
    }

    @Test func rejectsTamperedTokens() async throws {
        let issuer = await AccessTokenIssuer(signingKey: Self.key)
        let token = try await Self.issue(issuer)
        let parts = token.split(separator: ".").map(String.init)

        var signature = Array(parts[2])
        signature[0] = signature[0] == "A" ? "B" : "A"
        let badSignature = "\(parts[0]).\(parts[1]).\(String(signature))"

        // The payload of a token for another tenant, under this token's signature.
        let otherTenant = try await issuer.issue(
            tenantID: "tenant-2", clientID: "client-1", scopes: ["notify:send", "subscribers:write"],
            lifetime: .seconds(300), now: Self.now)
        let swappedPayload = "\(parts[0]).\(otherTenant.split(separator: ".")[1]).\(parts[2])"

        let unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.\(parts[1])."

        for bad in [badSignature, swappedPayload, unsigned, "", "not-a-token", "a.b.c", "\(parts[0]).\(parts[1])"] {
            let error = await #expect(throws: ModelError.self) { try await issuer.verify(bad, now: Self.now) }
            #expect(error?.code == "invalid_token")
        }
    }

    @Test func rejectsTokensSignedWithAnotherKey() async throws {
        let issuer = await AccessTokenIssuer(signingKey: Self.key)
        let stranger = await AccessTokenIssuer(signingKey: [UInt8](repeating: 8, count: 32))
        let token = try await Self.issue(stranger)
        let error = await #expect(throws: ModelError.self) { try await issuer.verify(token, now: Self.now) }
        #expect(error?.code == "invalid_token")
    }

    @Test func rejectsAnotherIssuerEvenWithTheRightKey() async throws {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: Self.key), digestAlgorithm: .sha256)
        let claims = AccessTokenClaims(
            sub: "tenant-1", clientID: "client-1", scope: "notify:send", iat: IssuedAtClaim(value: Self.now),
            exp: ExpirationClaim(value: Self.now.addingTimeInterval(300)), iss: "someone-else", jti: "j1")
        let token = try await keys.sign(claims)

        let issuer = await AccessTokenIssuer(signingKey: Self.key)
        let error = await #expect(throws: ModelError.self) { try await issuer.verify(token, now: Self.now) }
        #expect(error?.code == "invalid_token")
    }

    @Test func rejectsBadLifetimesAndScopes() async throws {
        let issuer = await AccessTokenIssuer(signingKey: Self.key)
        let lifetime = await #expect(throws: ModelError.self) {
            try await Self.issue(issuer, lifetime: .milliseconds(500))
        }
        #expect(lifetime?.code == "invalid_token_lifetime")
        let scope = await #expect(throws: ModelError.self) {
            try await issuer.issue(
                tenantID: "t", clientID: "c", scopes: ["notify:send extra"], lifetime: .seconds(60), now: Self.now)
        }
        #expect(scope?.code == "invalid_scope")
    }
}
