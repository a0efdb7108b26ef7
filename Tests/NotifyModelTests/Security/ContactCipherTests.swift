import Crypto
import NotifyModel
import Testing

@Suite struct ContactCipherTests {
    /// Base64 of the bytes 0x00...0x1f.
    static let keyA = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    /// Base64 of 32 bytes of 0x42.
    static let keyB = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="

    @Test func sealsIntoASelfDescribingBlobAndOpensIt() throws {
        let cipher = try ContactCipher.parse("k1:\(Self.keyA)")
        let plaintext = "alice@example.com"
        let blob = try cipher.seal(plaintext)
        #expect(blob[0] == 1)
        #expect(blob[1] == 2)
        #expect(Array(blob[2..<4]) == Array("k1".utf8))
        #expect(blob.count == 4 + 12 + plaintext.utf8.count + 16)
        #expect(cipher.keyID(of: blob) == "k1")
        #expect(cipher.activeKeyID == "k1")
        #expect(try cipher.open(blob) == plaintext)
    }

    @Test(arguments: ["", "+14155550123", "Zoë 🚀 名前", String(repeating: "x", count: 10_000)])
    func roundTrips(_ plaintext: String) throws {
        let cipher = try ContactCipher.parse("k1:\(Self.keyA)")
        #expect(try cipher.open(cipher.seal(plaintext)) == plaintext)
    }

    @Test func usesAFreshNonceEachTime() throws {
        let cipher = try ContactCipher.parse("k1:\(Self.keyA)")
        let first = try cipher.seal("same")
        let second = try cipher.seal("same")
        #expect(first != second)
        #expect(!String(decoding: first, as: UTF8.self).contains("same"))
    }

    @Test func rotationOpensOldBlobsAndSealsNewOnesUnderTheNewKey() throws {
        let old = try ContactCipher.parse("k1:\(Self.keyA)")
        let oldBlob = try old.seal("bob@example.com")

        let rotated = try ContactCipher.parse("k2:\(Self.keyB), k1:\(Self.keyA)")
        #expect(rotated.activeKeyID == "k2")
        #expect(rotated.keyIDs == ["k2", "k1"])
        #expect(try rotated.open(oldBlob) == "bob@example.com")
        let newBlob = try rotated.seal("bob@example.com")
        #expect(rotated.keyID(of: newBlob) == "k2")
        #expect(try rotated.open(newBlob) == "bob@example.com")

        let onlyNew = try ContactCipher.parse("k2:\(Self.keyB)")
        #expect(try onlyNew.open(newBlob) == "bob@example.com")
        let error = #expect(throws: ModelError.self) { try onlyNew.open(oldBlob) }
        #expect(error?.code == "unknown_encryption_key")
        #expect(error?.message.contains("\"k1\"") == true)
        #expect(error?.message.contains("NOTIFY_ENCRYPTION_KEYS") == true)
    }

    @Test func initWithKeysUsesTheFirstForSealing() throws {
        let k1 = SymmetricKey(size: .bits256)
        let k2 = SymmetricKey(size: .bits256)
        let cipher = ContactCipher(keys: [(id: "new", key: k2), (id: "old", key: k1)])
        let blob = try cipher.seal("token-abc")
        #expect(cipher.keyID(of: blob) == "new")
        let oldOnly = ContactCipher(keys: [(id: "old", key: k1)])
        #expect(try cipher.open(oldOnly.seal("x")) == "x")
    }

    @Test func everySingleByteChangeIsDetected() throws {
        let cipher = try ContactCipher.parse("k1:\(Self.keyA),k3:\(Self.keyB)")
        let blob = try cipher.seal("carol@example.com")
        for index in blob.indices {
            var tampered = blob
            tampered[index] ^= 0x01
            let error = #expect(throws: ModelError.self, "byte \(index)") { try cipher.open(tampered) }
            if index >= 4 {
                #expect(error?.code == "decryption_failed", "byte \(index)")
            }
        }
    }

    @Test func malformedBlobsFailToOpen() throws {
        let cipher = try ContactCipher.parse("k1:\(Self.keyA)")
        let blob = try cipher.seal("dave@example.com")
        var otherVersion = blob
        otherVersion[0] = 2
        for bad in [[], [1], Array(blob.dropLast()), Array(blob.prefix(20)), otherVersion] {
            let error = #expect(throws: ModelError.self) { try cipher.open(bad) }
            #expect(error?.code == "decryption_failed")
        }
    }

    @Test func relabellingABlobWithAnotherConfiguredKeyFails() throws {
        let cipher = try ContactCipher.parse("k1:\(Self.keyA),k3:\(Self.keyB)")
        var blob = try cipher.seal("gina@example.com")
        blob[3] = UInt8(ascii: "3")
        #expect(cipher.keyID(of: blob) == "k3")
        let error = #expect(throws: ModelError.self) { try cipher.open(blob) }
        #expect(error?.code == "decryption_failed")
    }

    @Test func aBlobFromAnotherKeyUnderTheSameIdFails() throws {
        let sealed = try ContactCipher.parse("k1:\(Self.keyA)").seal("erin@example.com")
        let impostor = try ContactCipher.parse("k1:\(Self.keyB)")
        let error = #expect(throws: ModelError.self) { try impostor.open(sealed) }
        #expect(error?.code == "decryption_failed")
    }

    @Test(arguments: [
        ("", "is empty"),
        ("   ", "is empty"),
        (keyA, "entry 1 has no \":\""),
        ("k1:not base64!!", "entry 1 (id \"k1\") is not valid base64"),
        ("k1:AAECAwQFBgcICQoLDA0ODw==", "decodes to 16 bytes, not 32"),
        ("k1:\(keyA),k1:\(keyB)", "entry 2 (id \"k1\") repeats an id"),
        ("k1:\(keyA),", "entry 2 is empty"),
        ("\(keyA):k1", "entry 1 has an invalid key id"),
        ("bad id:\(keyA)", "entry 1 has an invalid key id"),
        ("k1:\(keyA),\(String(repeating: "x", count: 33)):\(keyB)", "entry 2 has an invalid key id"),
    ])
    func rejectsBadSpecsWithoutEchoingKeys(spec: String, expected: String) {
        let error = #expect(throws: ModelError.self) { try ContactCipher.parse(spec) }
        #expect(error?.code == "invalid_encryption_keys")
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        for key in [Self.keyA, Self.keyB, "AAECAwQFBgcICQoLDA0ODw=="] {
            #expect(error?.message.contains(String(key.prefix(12))) == false)
        }
    }

    @Test func generatedSpecsParseAndDiffer() throws {
        let spec = ContactCipher.generateKeySpec(id: "2026-01")
        #expect(spec.hasPrefix("2026-01:"))
        let cipher = try ContactCipher.parse(spec)
        #expect(cipher.activeKeyID == "2026-01")
        #expect(try cipher.open(cipher.seal("x")) == "x")
        #expect(ContactCipher.generateKeySpec(id: "2026-01") != spec)
    }

    @Test func developmentKeysAreDeterministicPerSeed() throws {
        let blob = try ContactCipher.derivedForDevelopment(seed: "seed-1").seal("frank@example.com")
        #expect(try ContactCipher.derivedForDevelopment(seed: "seed-1").open(blob) == "frank@example.com")
        let error = #expect(throws: ModelError.self) {
            try ContactCipher.derivedForDevelopment(seed: "seed-2").open(blob)
        }
        #expect(error?.code == "decryption_failed")
    }

    @Test(arguments: [
        ("k1", true), ("key_2026-01", true), (String(repeating: "a", count: 32), true),
        ("", false), (String(repeating: "a", count: 33), false), ("k 1", false), ("k:1", false), ("ké", false),
    ])
    func keyIDValidity(id: String, valid: Bool) {
        #expect(ContactCipher.isValidKeyID(id) == valid)
    }
}
