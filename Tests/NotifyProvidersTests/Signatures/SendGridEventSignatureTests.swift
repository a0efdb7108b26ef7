import Crypto
import Foundation
import NotifyProviders
import Testing

@Suite("SendGrid signed Event Webhook")
struct SendGridEventSignatureTests {
    static let publicKey =
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g=="
    static let otherKey =
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA=="
    static let signature =
        "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="
    static let timestamp = "1600112502"
    static let payload = Array(
        (#"[{"email":"hello@world.com","event":"dropped","reason":"Bounced Address","sg_event_id":"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA","sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0","smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>","timestamp":1600112492}]"#
            + "\r\n").utf8)
    static let signedAt = Date(timeIntervalSince1970: 1_600_112_502)

    @Test("the SDK vector verifies at its own time and within the window")
    func vector() throws {
        let verifier = try SendGridEventSignature(publicKey: Self.publicKey)
        try verifier.verify(
            signature: Self.signature, timestamp: Self.timestamp, body: Self.payload, now: Self.signedAt)
        try verifier.verify(
            signature: Self.signature, timestamp: Self.timestamp, body: Self.payload,
            now: Self.signedAt.addingTimeInterval(599))
    }

    @Test("the SDK's negative cases and one-byte changes are rejected as mismatches")
    func negatives() throws {
        let verifier = try SendGridEventSignature(publicKey: Self.publicKey)
        var changedBody = Self.payload
        changedBody[10] ^= 1
        var changedSignature = Array(Data(base64Encoded: Self.signature)!)
        changedSignature[changedSignature.count - 1] ^= 1
        let cases: [(String, String, [UInt8])] = [
            (Self.signature, Self.timestamp, Array("payload".utf8)),
            (Self.signature, Self.timestamp, changedBody),
            (Self.signature, Self.timestamp, Array(Self.payload.dropLast(2))),
            (Self.signature, "1600112503", Self.payload),
            (Data(changedSignature).base64EncodedString(), Self.timestamp, Self.payload),
        ]
        for (signature, timestamp, body) in cases {
            #expect(
                errorCode {
                    try verifier.verify(signature: signature, timestamp: timestamp, body: body, now: Self.signedAt)
                } == .mismatch)
        }
        let other = try SendGridEventSignature(publicKey: Self.otherKey)
        #expect(
            errorCode {
                try other.verify(
                    signature: Self.signature, timestamp: Self.timestamp, body: Self.payload, now: Self.signedAt)
            } == .mismatch)
        // The SDK's non-numeric timestamp: the signature does not cover it either.
        #expect(
            errorCode {
                try verifier.verify(
                    signature: Self.signature, timestamp: "timestamp", body: Self.payload, now: Self.signedAt)
            } == .mismatch)
    }

    @Test(
        "a timestamp from the future or older than SendGrid's 24 hours of retries is rejected even with a valid signature"
    )
    func stale() throws {
        let verifier = try SendGridEventSignature(publicKey: Self.publicKey)
        // A retry SendGrid sends hours later, still under the signature it made first, is taken.
        for offset in [601.0, 86_400.0, 90_000.0] {
            #expect(
                (try? verifier.verify(
                    signature: Self.signature, timestamp: Self.timestamp, body: Self.payload,
                    now: Self.signedAt.addingTimeInterval(offset))) != nil, "\(offset) s after signing")
        }
        for offset in [-601.0, 90_001.0, 7 * 86_400.0] {
            #expect(
                errorCode {
                    try verifier.verify(
                        signature: Self.signature, timestamp: Self.timestamp, body: Self.payload,
                        now: Self.signedAt.addingTimeInterval(offset))
                } == .stale)
        }
        #expect(
            errorCode {
                try verifier.verify(
                    signature: Self.signature, timestamp: Self.timestamp, body: Self.payload,
                    now: Self.signedAt.addingTimeInterval(120), tolerance: .seconds(60), maximumAge: .seconds(60))
            } == .stale)
    }

    @Test("missing headers, bad signatures and bad keys have their own codes")
    func missingAndMalformed() throws {
        let verifier = try SendGridEventSignature(publicKey: Self.publicKey)
        #expect(
            errorCode { try verifier.verify(signature: nil, timestamp: Self.timestamp, body: Self.payload) } == .missing
        )
        #expect(
            errorCode { try verifier.verify(signature: Self.signature, timestamp: nil, body: Self.payload) } == .missing
        )
        #expect(
            errorCode { try verifier.verify(signature: "AAAA", timestamp: Self.timestamp, body: Self.payload) }
                == .malformed)
        #expect(errorCode { _ = try SendGridEventSignature(publicKey: "not a key") } == .malformed)
        #expect(errorCode { _ = try SendGridEventSignature(publicKey: "AAAA") } == .malformed)
    }

    @Test("what the sandbox signs, the engine verifies with the published key")
    func signerRoundTrip() throws {
        let signer = SendGridEventSignature.Signer(privateKey: P256.Signing.PrivateKey())
        let verifier = try SendGridEventSignature(publicKey: signer.publicKeyBase64)
        let pem = "-----BEGIN PUBLIC KEY-----\n\(signer.publicKeyBase64)\n-----END PUBLIC KEY-----\n"
        let pemVerifier = try SendGridEventSignature(publicKey: pem)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let headers = Dictionary(
            uniqueKeysWithValues: signer.headers(body: Self.payload, now: now).map { ($0.name, $0.value) })
        let signature = headers[SendGridEventSignature.signatureHeader]
        let timestamp = headers[SendGridEventSignature.timestampHeader]
        #expect(timestamp == "1700000000")
        try verifier.verify(signature: signature, timestamp: timestamp, body: Self.payload, now: now)
        try pemVerifier.verify(signature: signature, timestamp: timestamp, body: Self.payload, now: now)
        #expect(
            errorCode {
                try verifier.verify(signature: signature, timestamp: timestamp, body: Self.payload + [0], now: now)
            }
                == .mismatch)
    }
}
