import Crypto
import Foundation
import NotifyProviders
import Testing

@Suite("Vonage signed requests (sig)")
struct VonageSignatureTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let params: [String: String] = [
        "msisdn": "447700900001", "to": "447700900000", "messageId": "0A0000000123ABCD1",
        "text": "Hello & welcome = yes", "type": "text", "keyword": "HELLO",
        "message-timestamp": "2023-11-14 22:13:20", "timestamp": "1700000000", "nonce": "aaaa-bbbb",
    ]

    @Test("the signed string sorts names and replaces & and = in values")
    func signedStringVector() throws {
        // Derived independently: HMAC-SHA256("secret", "&a=1_2&b=x_y&timestamp=1700000000"), upper-case hex.
        let signer = VonageSignature(secret: "secret", method: .sha256)
        let expected = HMAC<SHA256>.authenticationCode(
            for: Array("&a=1_2&b=x_y&timestamp=1700000000".utf8), using: SymmetricKey(data: Array("secret".utf8)))
        let hex = expected.map { String(format: "%02X", $0) }.joined()
        #expect(signer.sign(parameters: ["b": "x=y", "timestamp": "1700000000", "a": "1&2", "sig": "ignored"]) == hex)

        // md5hash: lowercase MD5 of the string followed by the secret.
        let md5 = VonageSignature(secret: "secret", method: .md5hash)
        let digest = Insecure.MD5.hash(data: Array("&a=1_2&b=x_y&timestamp=1700000000secret".utf8))
        #expect(
            md5.sign(parameters: ["b": "x=y", "timestamp": "1700000000", "a": "1&2"])
                == digest.map { String(format: "%02x", $0) }.joined())
    }

    @Test("every method round-trips, in either hex case", arguments: VonageSignature.Method.allCases)
    func roundTrip(method: VonageSignature.Method) throws {
        let signer = VonageSignature(secret: "0123456789abcdef", method: method)
        let signed = signer.signed(parameters: Self.params, now: Self.now)
        try signer.verify(parameters: signed, now: Self.now)
        var lower = signed
        lower["sig"] = signed["sig"]!.lowercased()
        try signer.verify(parameters: lower, now: Self.now)
    }

    @Test("one changed byte of a value, a name, the signature or the secret is rejected")
    func tampering() throws {
        let signer = VonageSignature(secret: "0123456789abcdef")
        let signed = signer.signed(parameters: Self.params, now: Self.now)
        var changedValue = signed
        changedValue["msisdn"] = "447700900002"
        var changedName = signed
        changedName["Msisdn"] = changedName.removeValue(forKey: "msisdn")
        var added = signed
        added["extra"] = ""
        var changedTimestamp = signed
        changedTimestamp["timestamp"] = "1700000001"
        var changedSig = signed
        let sig = signed["sig"]!
        changedSig["sig"] = String(sig.dropLast()) + (sig.last == "0" ? "1" : "0")
        for params in [changedValue, changedName, added, changedTimestamp, changedSig] {
            #expect(errorCode { try signer.verify(parameters: params, now: Self.now) } == .mismatch)
        }
        #expect(
            errorCode { try VonageSignature(secret: "0123456789abcdeF").verify(parameters: signed, now: Self.now) }
                == .mismatch)
        #expect(
            errorCode {
                try VonageSignature(secret: "0123456789abcdef", method: .sha512).verify(
                    parameters: signed, now: Self.now)
            }
                == .mismatch)
    }

    @Test("stale, missing and malformed are told apart")
    func staleMissingMalformed() throws {
        let signer = VonageSignature(secret: "0123456789abcdef")
        let signed = signer.signed(parameters: Self.params, now: Self.now)
        #expect(errorCode { try signer.verify(parameters: signed, now: Self.now.addingTimeInterval(301)) } == .stale)
        try signer.verify(parameters: signed, now: Self.now.addingTimeInterval(299))
        var noSig = signed
        noSig["sig"] = nil
        #expect(errorCode { try signer.verify(parameters: noSig, now: Self.now) } == .missing)
        var badSig = signed
        badSig["sig"] = "xyz"
        #expect(errorCode { try signer.verify(parameters: badSig, now: Self.now) } == .malformed)
        var noTimestamp = Self.params
        noTimestamp["timestamp"] = nil
        noTimestamp["sig"] = signer.sign(parameters: noTimestamp)
        #expect(errorCode { try signer.verify(parameters: noTimestamp, now: Self.now) } == .missing)
    }
}
