import Crypto
import NotifyModel
import Testing

@Suite struct LookupHasherTests {
    /// Base64 of the bytes 0x00...0x1f.
    static let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

    @Test func matchesAnIndependentHMACComputation() throws {
        let hasher = try LookupHasher.parse(base64: Self.key)
        // python3: hmac.new(bytes(range(32)), b"email\x00alice@example.com", hashlib.sha256).hexdigest()
        #expect(
            hasher.hex("  Alice@Example.COM ", channel: .email)
                == "c89de65dbbe2070217a4f4e9ffec5f85cfa15653f1bfd31285e9ce87175633b4")
        // python3: hmac.new(bytes(range(32)), b"sms\x00+14155550123", hashlib.sha256).hexdigest()
        #expect(
            hasher.hex("+1 (415) 555-0123", channel: .sms)
                == "626ee94e9bcad2deed0d0d668974ee387bcecbf515bd53c6a1313bd5267ccdbe")
        #expect(hasher.hash("x", channel: .push).count == 32)
    }

    @Test func normalisesPerChannel() throws {
        let hasher = try LookupHasher.parse(base64: Self.key)
        #expect(
            hasher.hash("Alice@Example.com", channel: .email) == hasher.hash(" alice@example.COM\n", channel: .email))
        #expect(hasher.hash("+1 (415) 555-0123", channel: .sms) == hasher.hash("+14155550123", channel: .sms))
        #expect(hasher.hash("+1.415.555.0123", channel: .sms) == hasher.hash("+14155550123", channel: .sms))
        #expect(hasher.hash(" Token-ABC ", channel: .push) == hasher.hash("Token-ABC", channel: .push))
        #expect(hasher.hash("Token-ABC", channel: .push) != hasher.hash("token-abc", channel: .push))
        #expect(LookupHasher.normalise(" A@B.C ", channel: .email) == "a@b.c")
        #expect(LookupHasher.normalise(" https://X.example/hook ", channel: .webhook) == "https://X.example/hook")
    }

    @Test func theChannelIsPartOfTheHash() throws {
        let hasher = try LookupHasher.parse(base64: Self.key)
        let hashes = Set(Channel.allCases.map { hasher.hash("same-value", channel: $0) })
        #expect(hashes.count == Channel.allCases.count)
    }

    @Test func differentKeysGiveDifferentHashes() throws {
        let one = LookupHasher(key: SymmetricKey(size: .bits256))
        let two = LookupHasher(key: SymmetricKey(size: .bits256))
        #expect(one.hash("a@b.co", channel: .email) != two.hash("a@b.co", channel: .email))
        #expect(
            LookupHasher.derivedForDevelopment(seed: "s").hex("a@b.co", channel: .email)
                == LookupHasher.derivedForDevelopment(seed: "s").hex("a@b.co", channel: .email))
        #expect(
            LookupHasher.derivedForDevelopment(seed: "s").hex("a@b.co", channel: .email)
                != LookupHasher.derivedForDevelopment(seed: "t").hex("a@b.co", channel: .email))
    }

    @Test(arguments: ["", "not base64 at all!", "AAECAwQFBgcICQoLDA0ODw==", "\(key)AAAA"])
    func rejectsBadKeysWithoutEchoingThem(_ text: String) {
        let error = #expect(throws: ModelError.self) { try LookupHasher.parse(base64: text) }
        #expect(error?.code == "invalid_lookup_key")
        if !text.isEmpty {
            #expect(error?.message.contains(String(text.prefix(10))) == false)
        }
    }
}
