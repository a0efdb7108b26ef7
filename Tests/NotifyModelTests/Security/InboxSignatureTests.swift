import NotifyModel
import Testing

@Suite struct InboxSignatureTests {
    @Test func matchesRFC4231TestCase2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        #expect(
            InboxSignature.sign(userID: "what do ya want for nothing?", secret: Array("Jefe".utf8))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    static let secret = [UInt8](repeating: 0xaa, count: 32)
    // python3: hmac.new(bytes([0xaa] * 32), b"user-42", hashlib.sha256).hexdigest()
    static let signature = "09084e188fe18ba7190ae08a1c5c7a1f85a788d92028adb68a843a1ba8161e07"

    @Test func verifiesAnIndependentlyComputedSignature() {
        #expect(InboxSignature.sign(userID: "user-42", secret: Self.secret) == Self.signature)
        #expect(InboxSignature.verify(userID: "user-42", signature: Self.signature, secret: Self.secret))
        #expect(InboxSignature.verify(userID: "user-42", signature: Self.signature.uppercased(), secret: Self.secret))
    }

    @Test func rejectsAnotherUserOrSecret() {
        #expect(!InboxSignature.verify(userID: "user-43", signature: Self.signature, secret: Self.secret))
        #expect(!InboxSignature.verify(userID: "User-42", signature: Self.signature, secret: Self.secret))
        var otherSecret = Self.secret
        otherSecret[0] = 0xab
        #expect(!InboxSignature.verify(userID: "user-42", signature: Self.signature, secret: otherSecret))
        #expect(!InboxSignature.verify(userID: "user-42", signature: Self.signature, secret: []))
    }

    @Test(arguments: [
        "", String(signature.dropLast()), signature + "0", String(signature.dropLast()) + "g",
        "1" + String(signature.dropFirst()), String(signature.dropLast()) + "6", " " + String(signature.dropFirst()),
        String(repeating: "0", count: 64),
    ])
    func rejectsAlteredOrMalformedSignatures(signature: String) {
        #expect(!InboxSignature.verify(userID: "user-42", signature: signature, secret: Self.secret))
    }

    @Test func generatedSecretsAreFreshAndWork() {
        let one = InboxSignature.generateSecret()
        let two = InboxSignature.generateSecret()
        #expect(one.count == 32)
        #expect(one != two)
        let signature = InboxSignature.sign(userID: "u", secret: one)
        #expect(signature.count == 64)
        #expect(InboxSignature.verify(userID: "u", signature: signature, secret: one))
        #expect(!InboxSignature.verify(userID: "u", signature: signature, secret: two))
    }
}
