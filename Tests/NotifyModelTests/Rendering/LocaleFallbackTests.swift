import Testing

@testable import NotifyModel

@Suite struct LocaleFallbackTests {
    @Test(arguments: [
        ("pt-BR", "en", ["pt-BR", "pt", "en"]),
        ("pt-br", "en-US", ["pt-BR", "pt", "en-US", "en"]),
        ("PT_br", "pt", ["pt-BR", "pt"]),
        ("zh-hant-tw", "en", ["zh-Hant-TW", "zh-Hant", "zh", "en"]),
        ("es-419", "en", ["es-419", "es", "en"]),
        ("en", "en-GB", ["en", "en-GB"]),
        ("", "de-DE", ["de-DE", "de"]),
        ("not a locale!", "de", ["de"]),
        (" \tpt-BR\t ", "en", ["pt-BR", "pt", "en"]),
        ("   ", "en", ["en"]),
    ])
    func chain(_ requested: String, _ tenantDefault: String, _ expected: [String]) {
        #expect(LocaleFallback.chain(for: requested, tenantDefault: tenantDefault) == expected)
    }

    @Test func nilRequestedUsesTheTenantDefault() {
        #expect(LocaleFallback.chain(for: nil, tenantDefault: "fr-CA") == ["fr-CA", "fr"])
    }

    @Test(
        arguments: [
            ("pt-BR", Set(["pt-BR", "pt", "en"]), "pt-BR"),
            ("pt-BR", Set(["pt", "en"]), "pt"),
            ("pt-BR", Set(["en"]), "en"),
            ("pt-BR", Set(["pt-br"]), "pt-br"),
            ("pt-BR", Set(["pt_BR", "pt"]), "pt_BR"),
            ("de-AT", Set(["fr"]), nil),
        ] as [(String, Set<String>, String?)])
    func resolve(_ requested: String, _ available: Set<String>, _ expected: String?) {
        #expect(LocaleFallback.resolve(requested: requested, tenantDefault: "en", available: available) == expected)
    }

    @Test func resolveAnswersTheSameOnceRememberedAndAfterItsMemoStartsAgain() {
        let first = LocaleFallback.resolve(requested: "pt-BR", tenantDefault: "en", available: ["pt", "en"])
        #expect(first == "pt")
        #expect(LocaleFallback.resolve(requested: "pt-BR", tenantDefault: "en", available: ["pt", "en"]) == "pt")
        // A question that differs only in what is available gets its own answer.
        #expect(LocaleFallback.resolve(requested: "pt-BR", tenantDefault: "en", available: ["pt-BR", "pt"]) == "pt-BR")
        for n in 0...LocaleFallback.memoCapacity {
            #expect(LocaleFallback.resolve(requested: "x\(n)", tenantDefault: "en", available: ["en"]) == "en")
        }
        #expect(LocaleFallback.resolve(requested: "pt-BR", tenantDefault: "en", available: ["pt", "en"]) == "pt")
    }

    @Test func resolveFallsBackToTheTenantDefaultsLanguage() {
        #expect(LocaleFallback.resolve(requested: "ja", tenantDefault: "en-US", available: ["en"]) == "en")
    }

    @Test(arguments: [("  key \t", "key"), ("key", "key"), (" \t ", ""), ("", ""), (" a b ", "a b")])
    func trimmingBlanksDropsOnlyOuterSpacesAndTabs(_ text: String, _ expected: String) {
        #expect(text.trimmingBlanks() == expected)
    }
}
