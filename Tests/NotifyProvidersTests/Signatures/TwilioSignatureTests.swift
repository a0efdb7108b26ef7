import Foundation
import NotifyProviders
import Testing

@Suite("X-Twilio-Signature")
struct TwilioSignatureTests {
    static let signer = TwilioSignature(authToken: "12345")
    static let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    static let params: [(name: String, value: String)] = [
        ("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
        ("From", "+14158675309"), ("To", "+18005551212"),
    ]

    @Test("the official form vector signs and verifies")
    func formVector() throws {
        #expect(Self.signer.sign(url: Self.url, parameters: Self.params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        try Self.signer.verify(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: Self.url, parameters: Self.params)
    }

    @Test(
        "the port quirk: a URL with or without its port verifies",
        arguments: [
            ("https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="),
            ("https://mycompany.com:443/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
            ("https://mycompany.com/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="),
            ("http://mycompany.com:80/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),
            ("http://mycompany.com/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),
            ("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
        ])
    func portQuirk(url: String, signature: String) throws {
        try Self.signer.verify(signature: signature, url: url, parameters: Self.params)
    }

    @Test("the signing side reproduces the port vectors")
    func portVectorsSign() {
        #expect(
            Self.signer.sign(url: "https://mycompany.com:443/myapp.php?foo=1&bar=2", parameters: Self.params)
                == "kvajT1Ptam85bY51eRf/AJRuM3w=")
        #expect(
            Self.signer.sign(url: "http://mycompany.com:80/myapp.php?foo=1&bar=2", parameters: Self.params)
                == "0ZXoZLH/DfblKGATFgpif+LLRf4=")
        #expect(
            Self.signer.sign(url: "http://mycompany.com:1234/myapp.php?foo=1&bar=2", parameters: Self.params)
                == "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=")
    }

    @Test("repeated parameters are de-duplicated and sorted")
    func multiValue() throws {
        let params: [(name: String, value: String)] = [
            ("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234"),
        ]
        #expect(Self.signer.sign(url: Self.url, parameters: params) == "IK+Dwps556ElfBT0I3Rgjkr1wJU=")
        try Self.signer.verify(signature: "IK+Dwps556ElfBT0I3Rgjkr1wJU=", url: Self.url, parameters: params)
    }

    @Test("the official JSON-body vector verifies, and the signer reproduces it")
    func jsonVector() throws {
        let body = Array(#"{"property": "value", "boolean": true}"#.utf8)
        let signed = Self.signer.signJSON(url: Self.url, body: body)
        #expect(
            signed.url
                == "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
        )
        #expect(signed.signature == "a9nBmqA0ju/hNViExpshrM61xv4=")
        try Self.signer.verifyJSON(signature: "a9nBmqA0ju/hNViExpshrM61xv4=", url: signed.url, body: body)

        var altered = body
        altered[3] ^= 1
        #expect(throws: SignatureError(.mismatch, "The request body does not match its bodySHA256 query parameter.")) {
            try Self.signer.verifyJSON(signature: signed.signature, url: signed.url, body: altered)
        }
    }

    static let statusParams: [(name: String, value: String)] = [
        ("AccountSid", "AC00000000000000000000000000000000"), ("ApiVersion", "2010-04-01"), ("ErrorCode", "30003"),
        ("From", "+15005550006"), ("MessageSid", "SM00000000000000000000000000000001"),
        ("MessageStatus", "undelivered"), ("SmsSid", "SM00000000000000000000000000000001"),
        ("SmsStatus", "undelivered"), ("To", "+15558675310"),
    ]

    @Test("the derived status-callback vector, also through a form body round trip")
    func statusCallbackVector() throws {
        let url = "https://example.com/twilio/status"
        #expect(Self.signer.sign(url: url, parameters: Self.statusParams) == "WZbamOP8RB7hoI7Vt6y/sceu7ko=")
        let body = FormURLEncoding.encode(Self.statusParams.reversed())
        try Self.signer.verify(
            signature: "WZbamOP8RB7hoI7Vt6y/sceu7ko=", url: url, parameters: FormURLEncoding.decode(body))
    }

    @Test("one changed byte in URL, parameter name or value, or signature is rejected")
    func tampering() {
        let good = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        var changedValue = Self.params
        changedValue[2].value = "1235"
        var changedName = Self.params
        changedName[0].name = "CallSiD"
        let cases: [(String, String, [(name: String, value: String)])] = [
            (good, "https://mycompany.com/myapp.php?foo=1&bar=3", Self.params),
            (good, "https://mycompany.com/myapp.phq?foo=1&bar=2", Self.params),
            (good, Self.url, changedValue),
            (good, Self.url, changedName),
            (good, Self.url, Self.params + [("Extra", "")]),
            ("RSOYDt4T1cUTdK1PDd94/VVr8B8=", Self.url, Self.params),
        ]
        for (signature, url, params) in cases {
            #expect(throws: SignatureError.self) {
                try Self.signer.verify(signature: signature, url: url, parameters: params)
            }
            #expect(
                errorCode { try Self.signer.verify(signature: signature, url: url, parameters: params) } == .mismatch)
        }
        #expect(
            errorCode {
                try TwilioSignature(authToken: "12346").verify(signature: good, url: Self.url, parameters: Self.params)
            }
                == .mismatch)
    }

    @Test("missing and malformed signatures have their own codes")
    func missingAndMalformed() {
        #expect(
            errorCode { try Self.signer.verify(signature: nil, url: Self.url, parameters: Self.params) } == .missing)
        #expect(errorCode { try Self.signer.verify(signature: "", url: Self.url, parameters: Self.params) } == .missing)
        #expect(
            errorCode { try Self.signer.verify(signature: "not base64!", url: Self.url, parameters: Self.params) }
                == .malformed)
        #expect(
            errorCode {
                try Self.signer.verifyJSON(signature: "a9nBmqA0ju/hNViExpshrM61xv4=", url: Self.url, body: [UInt8]())
            }
                == .missing)
    }
}

/// The code of the `SignatureError` a closure throws, or nil if it does not throw one.
func errorCode(_ body: () throws -> Void) -> SignatureError.Code? {
    do {
        try body()
        return nil
    } catch let error as SignatureError {
        #expect(!error.message.isEmpty)
        return error.code
    } catch {
        return nil
    }
}
