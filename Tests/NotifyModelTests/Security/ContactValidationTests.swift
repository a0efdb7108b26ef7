import NotifyModel
import Testing

@Suite struct ContactValidationTests {
    @Test(arguments: [
        ("alice@example.com", "alice@example.com"),
        ("  Alice.Smith@Example.COM \n", "Alice.Smith@example.com"),
        ("first.last+tag@mail.sub.example.org", "first.last+tag@mail.sub.example.org"),
        ("a@b.co", "a@b.co"),
        ("\(String(repeating: "l", count: 64))@example.com", "\(String(repeating: "l", count: 64))@example.com"),
    ])
    func acceptsEmails(raw: String, normalised: String) throws {
        #expect(try ContactValidation.email(raw) == normalised)
    }

    @Test(arguments: [
        "", "   ", "plainaddress", "alice@localhost", "alice@@example.com", "a@b@example.com", "@example.com",
        "alice@", "alice smith@example.com", "alice@exam ple.com", "alice@.example.com", "alice@example.com.",
        "alice@example..com", "ali\u{7}ce@example.com",
        "\(String(repeating: "l", count: 65))@example.com",
        "a@\(String(repeating: "d", count: 250)).com",
    ])
    func rejectsEmails(raw: String) {
        let error = #expect(throws: ModelError.self) { try ContactValidation.email(raw) }
        #expect(error?.code == "invalid_email")
        #expect(error?.message.contains("name@example.com") == true)
    }

    @Test func emailErrorsDoNotEchoTheInput() {
        let error = #expect(throws: ModelError.self) { try ContactValidation.email("secret.person@nowhere") }
        #expect(error?.message.contains("secret.person") == false)
        #expect(error?.message.contains("nowhere") == false)
    }

    @Test(arguments: [
        ("+14155550123", "+14155550123"),
        ("+1 (415) 555-0123", "+14155550123"),
        (" +44 20 7946 0958 ", "+442079460958"),
        ("+49.30.1234567", "+49301234567"),
        ("+12345678", "+12345678"),
        ("+123456789012345", "+123456789012345"),
    ])
    func acceptsE164Numbers(raw: String, normalised: String) throws {
        #expect(try ContactValidation.phoneE164(raw) == normalised)
    }

    @Test(arguments: [
        "", "+", "14155550123", "0014155550123", "+04155550123", "+1234567", "+1234567890123456", "+1415555abcd",
        "++14155550123", "+1 415 555 0123 ext 4", "+1/415/5550123", "+１４１５５５５０１２３",
    ])
    func rejectsNonE164Numbers(raw: String) {
        let error = #expect(throws: ModelError.self) { try ContactValidation.phoneE164(raw) }
        #expect(error?.code == "invalid_phone_number")
        #expect(error?.message.contains("+14155550123") == true)
    }

    @Test func phoneErrorsDoNotEchoTheInput() {
        let error = #expect(throws: ModelError.self) { try ContactValidation.phoneE164("+9876 5432 1098 7654") }
        #expect(error?.message.contains("9876") == false)
    }

    @Test(arguments: ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Etc/GMT+2"])
    func acceptsIANATimeZones(id: String) throws {
        #expect(try ContactValidation.timeZone(id) == id)
        #expect(try ContactValidation.timeZone(" \(id) ") == id)
    }

    @Test(arguments: ["", "Mars/Olympus_Mons", "Europe/Berln", "not a zone", "europe/berlin", "GMT+2", "UTC+01:00"])
    func rejectsUnknownTimeZones(id: String) {
        let error = #expect(throws: ModelError.self) { try ContactValidation.timeZone(id) }
        #expect(error?.code == "invalid_timezone")
        #expect(error?.message.contains("Europe/Berlin") == true)
    }

    @Test(arguments: [
        ("en", "en"), ("EN", "en"), ("pt-br", "pt-BR"), ("PT_br", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"),
        ("zh-HANS", "zh-Hans"), ("es-419", "es-419"), ("fil", "fil"), (" de-DE ", "de-DE"),
    ])
    func normalisesLocales(tag: String, normalised: String) throws {
        #expect(try ContactValidation.locale(tag) == normalised)
    }

    @Test(arguments: [
        "", "e", "english", "en-", "-US", "en-U", "en-USA", "en-12", "en-US-x", "en-Latn-US-extra", "en US", "12",
        "é-FR", "en--US",
    ])
    func rejectsMalformedLocales(tag: String) {
        let error = #expect(throws: ModelError.self) { try ContactValidation.locale(tag) }
        #expect(error?.code == "invalid_locale")
        #expect(error?.message.contains("pt-BR") == true)
    }
}
