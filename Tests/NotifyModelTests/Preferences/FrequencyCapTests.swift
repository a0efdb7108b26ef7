import Foundation
import NotifyModel
import Testing

@Suite struct FrequencyCapTests {
    @Test(arguments: [(1, 60), (3, 86_400), (100, 31 * 86_400)])
    func acceptsValidCaps(_ limit: Int, _ window: Int) throws {
        try FrequencyCap(limit: limit, windowSeconds: window).validate()
    }

    @Test(arguments: [
        (0, 3600, "limit is 0"), (-1, 3600, "limit is -1"), (1, 59, "window_seconds is 59"),
        (1, 31 * 86_400 + 1, "window_seconds is 2678401"),
    ])
    func rejectsInvalidCaps(_ limit: Int, _ window: Int, _ problem: String) {
        do {
            try FrequencyCap(limit: limit, windowSeconds: window).validate()
            Issue.record("expected invalid_frequency_cap")
        } catch {
            #expect(error.code == "invalid_frequency_cap")
            #expect(error.message.contains(problem), "\(error.message)")
        }
    }

    @Test func codesTheWindowInSnakeCase() throws {
        let cap = try JSONDecoder().decode(FrequencyCap.self, from: Data(#"{"limit":3,"window_seconds":3600}"#.utf8))
        #expect(cap == FrequencyCap(limit: 3, windowSeconds: 3600))
    }
}
