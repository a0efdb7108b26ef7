import NotifyModel
import Testing

@Suite struct APIKeyTests {
    static let idCharacters = Set("abcdefghijklmnopqrstuvwxyz234567")
    static let secretCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    @Test func generatedKeysHaveTheDocumentedShapeAndParseBack() throws {
        let key = APIKey.generate()
        #expect(key.id.count == 12)
        #expect(key.id.allSatisfy(Self.idCharacters.contains))
        #expect(key.secret.count == 40)
        #expect(key.secret.allSatisfy(Self.secretCharacters.contains))
        #expect(key.plaintext == "nk_\(key.id)_\(key.secret)")
        let parsed = try APIKey.parse(key.plaintext)
        #expect(parsed.id == key.id)
        #expect(parsed.secret == key.secret)
        #expect(APIKey.generate().plaintext != key.plaintext)
    }

    @Test func descriptionsRedactTheSecret() {
        let key = APIKey.generate()
        #expect(!"\(key)".contains(key.secret))
        #expect(!String(reflecting: key).contains(key.secret))
        #expect("\(key)".contains(key.id))
    }

    @Test func verifiesTheStoredHashAndRejectsAnyOneCharacterChange() {
        let key = APIKey.generate()
        let stored = APIKey.hash(secret: key.secret)
        #expect(stored.count == 32)
        #expect(APIKey.verify(secret: key.secret, against: stored))
        for index in key.secret.indices {
            var changed = key.secret
            changed.replaceSubrange(index...index, with: key.secret[index] == "A" ? "B" : "A")
            #expect(!APIKey.verify(secret: changed, against: stored))
        }
        #expect(!APIKey.verify(secret: key.secret, against: []))
        #expect(!APIKey.verify(secret: key.secret, against: Array(stored.dropLast())))
        #expect(!APIKey.verify(secret: APIKey.generate().secret, against: stored))
    }

    @Test func hashIsSHA256() {
        // python3: hashlib.sha256(b"abc").hexdigest()
        let expected: [UInt8] = [
            0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
            0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
        ]
        #expect(APIKey.hash(secret: "abc") == expected)
        #expect(ClientSecret.hash(secret: "abc") == expected)
    }

    static let valid = "nk_abcdefgh2345_" + String(repeating: "aZ9", count: 13) + "x"

    static let secretPart = String(valid.suffix(40))
    static let malformed: [String] = [
        "", "nk_", "nk__", valid + "x", String(valid.dropLast()), "NK" + String(valid.dropFirst(2)),
        "nc" + String(valid.dropFirst(2)), "nk_ABCDEFGH2345_" + secretPart, "nk_abcdefgh2341_" + secretPart,
        "nk_abcdefgh2345-" + secretPart, "nk_abcdefgh2345_" + String(secretPart.dropLast()) + "_",
        "Bearer " + valid, " " + valid, valid + "\n",
    ]

    @Test(arguments: malformed)
    func rejectsMalformedKeysWithoutEchoingThem(presented: String) {
        let error = #expect(throws: ModelError.self) { try APIKey.parse(presented) }
        #expect(error?.code == "malformed_api_key")
        #expect(error?.message.contains("nk_<id>_<secret>") == true)
        #expect(error?.message.contains("aZ9aZ9") == false)
    }

    @Test func theValidFixtureParses() throws {
        let parsed = try APIKey.parse(Self.valid)
        #expect(parsed.id == "abcdefgh2345")
        #expect(parsed.secret.count == 40)
    }

    @Test func clientSecretsWorkTheSameWayWithTheirOwnPrefix() throws {
        let client = ClientSecret.generate()
        #expect(client.plaintext.hasPrefix("nc_"))
        #expect(!"\(client)".contains(client.secret))
        let parsed = try ClientSecret.parse(client.plaintext)
        #expect(parsed.id == client.id && parsed.secret == client.secret)
        let stored = ClientSecret.hash(secret: client.secret)
        #expect(ClientSecret.verify(secret: parsed.secret, against: stored))
        #expect(!ClientSecret.verify(secret: String(parsed.secret.dropLast()) + "!", against: stored))

        let asAPIKey = #expect(throws: ModelError.self) { try APIKey.parse(client.plaintext) }
        #expect(asAPIKey?.code == "malformed_api_key")
        let asClient = #expect(throws: ModelError.self) { try ClientSecret.parse(APIKey.generate().plaintext) }
        #expect(asClient?.code == "malformed_client_secret")
        #expect(asClient?.message.contains("nc_<id>_<secret>") == true)
    }
}
