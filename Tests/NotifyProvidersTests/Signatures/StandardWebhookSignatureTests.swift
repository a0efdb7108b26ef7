import Foundation
import NotifyProviders
import Testing

@Suite("Standard Webhooks signatures")
struct StandardWebhookSignatureTests {
    // The specification's published example.
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let timestamp = "1614265330"
    static let body = Array(#"{"test": 2432232314}"#.utf8)
    static let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    static let now = Date(timeIntervalSince1970: 1_614_265_330)

    @Test("the published vector signs and verifies")
    func vector() throws {
        let signer = try StandardWebhookSignature(secret: Self.secret)
        #expect(signer.sign(id: Self.id, timestamp: 1_614_265_330, body: Self.body) == Self.expected)
        try signer.verify(
            id: Self.id, timestamp: Self.timestamp, signature: Self.expected, body: Self.body, now: Self.now)
        // The secret without its prefix is the same key.
        try StandardWebhookSignature(secret: String(Self.secret.dropFirst(6))).verify(
            id: Self.id, timestamp: Self.timestamp, signature: Self.expected, body: Self.body, now: Self.now)
    }

    @Test("any one of several space-separated signatures may match; other versions are skipped")
    func multipleSignatures() throws {
        let signer = try StandardWebhookSignature(secret: Self.secret)
        let header = "v1a,abcd v1,Zm9vYmFyYmF6 \(Self.expected)"
        try signer.verify(id: Self.id, timestamp: Self.timestamp, signature: header, body: Self.body, now: Self.now)
        #expect(
            errorCode {
                try signer.verify(
                    id: Self.id, timestamp: Self.timestamp, signature: "v2,\(Self.expected.dropFirst(3))",
                    body: Self.body,
                    now: Self.now)
            } == .malformed)
    }

    @Test("one changed byte of body, id, timestamp, signature or secret is rejected")
    func tampering() throws {
        let signer = try StandardWebhookSignature(secret: Self.secret)
        var body = Self.body
        body[2] ^= 1
        var signature = Array(Self.expected.utf8)
        signature[5] = signature[5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let cases: [(String, String, String, [UInt8])] = [
            (Self.id, Self.timestamp, Self.expected, body),
            (Self.id, Self.timestamp, Self.expected, Self.body + [0x20]),
            ("msg_p5jXN8AQM9LWM0D4loKWxJeK", Self.timestamp, Self.expected, Self.body),
            (Self.id, "1614265331", Self.expected, Self.body),
            (Self.id, Self.timestamp, String(decoding: signature, as: UTF8.self), Self.body),
        ]
        for (id, timestamp, signature, body) in cases {
            #expect(
                errorCode {
                    try signer.verify(id: id, timestamp: timestamp, signature: signature, body: body, now: Self.now)
                }
                    == .mismatch)
        }
        let other = StandardWebhookSignature(key: Array(repeating: UInt8(7), count: 24))
        #expect(
            errorCode {
                try other.verify(
                    id: Self.id, timestamp: Self.timestamp, signature: Self.expected, body: Self.body, now: Self.now)
            } == .mismatch)
    }

    @Test("a timestamp more than five minutes away is stale", arguments: [301.0, -301.0, 3_600.0])
    func stale(offset: Double) throws {
        let signer = try StandardWebhookSignature(secret: Self.secret)
        #expect(
            errorCode {
                try signer.verify(
                    id: Self.id, timestamp: Self.timestamp, signature: Self.expected, body: Self.body,
                    now: Self.now.addingTimeInterval(offset))
            } == .stale)
        try signer.verify(
            id: Self.id, timestamp: Self.timestamp, signature: Self.expected, body: Self.body,
            now: Self.now.addingTimeInterval(offset > 0 ? 299 : -299))
    }

    @Test("missing headers and malformed secrets have their own codes")
    func missingAndMalformed() throws {
        let signer = try StandardWebhookSignature(secret: Self.secret)
        #expect(
            errorCode {
                try signer.verify(id: nil, timestamp: Self.timestamp, signature: Self.expected, body: Self.body)
            } == .missing)
        #expect(
            errorCode { try signer.verify(id: Self.id, timestamp: nil, signature: Self.expected, body: Self.body) }
                == .missing)
        #expect(
            errorCode { try signer.verify(id: Self.id, timestamp: Self.timestamp, signature: nil, body: Self.body) }
                == .missing)
        #expect(
            errorCode { try signer.verify(id: Self.id, timestamp: "soon", signature: Self.expected, body: Self.body) }
                == .malformed)
        #expect(errorCode { _ = try StandardWebhookSignature(secret: "whsec_not base64!") } == .malformed)
    }

    @Test("generated secrets sign and verify, and headers carry all three values")
    func generated() throws {
        let secret = StandardWebhookSignature.generateSecret()
        #expect(secret.hasPrefix("whsec_"))
        let signer = try StandardWebhookSignature(secret: secret)
        let headers = Dictionary(
            uniqueKeysWithValues: signer.headers(id: "msg_1", timestamp: 1_614_265_330, body: Self.body).map {
                ($0.name, $0.value)
            })
        try signer.verify(
            id: headers["webhook-id"], timestamp: headers["webhook-timestamp"], signature: headers["webhook-signature"],
            body: Self.body, now: Self.now)
    }
}
