import Foundation
import NotifyModel
import Testing

@Suite struct SegmentFilterTests {
    func json(_ text: String) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    @Test func aFilterParsesAndRoundTripsThroughItsJSONForm() throws {
        let text = #"""
            {"all":[{"field":"data.plan","op":"in","value":["pro","team"]},
                    {"any":[{"field":"locale","op":"eq","value":"pt-BR"},{"field":"data.tags","op":"contains","value":"beta"}]},
                    {"not":{"field":"data.profile.churned","op":"exists"}}]}
            """#
        let filter = try SegmentFilter.parse(try json(text))
        #expect(try SegmentFilter.parse(filter.json) == filter)
        guard case .all(let children) = filter else {
            Issue.record("expected all")
            return
        }
        #expect(children.count == 3)
    }

    @Test(arguments: [
        (#"{"field":"password","op":"eq","value":"x"}"#, "filter.field"),
        (#"{"all":[{"field":"data.plan","op":"like","value":"x"}]}"#, "filter.all[0].op"),
        (#"{"all":[{"field":"data.plan","op":"eq"}]}"#, "filter.all[0].value"),
        (#"{"any":[{"field":"data.a","op":"in","value":[]}]}"#, "filter.any[0].value"),
        (#"{"field":"data.a","op":"gt","value":true}"#, "filter.value"),
        (#"{"field":"data.a","op":"exists","value":1}"#, "filter.value"),
        (#"{"field":"data.a b","op":"eq","value":1}"#, "filter.field"),
        (#"{"field":"data.a","op":"eq","value":1,"extra":2}"#, "filter"),
        (#"{"all":{"field":"data.a","op":"eq","value":1}}"#, "filter.all"),
        (#"["all"]"#, "filter"),
    ])
    func badFiltersNameTheirPlace(text: String, place: String) throws {
        do {
            _ = try SegmentFilter.parse(try json(text))
            Issue.record("accepted \(text)")
        } catch let error as ModelError {
            #expect(error.code == "invalid_segment_filter")
            #expect(error.message.hasPrefix(place + " "), "\(error.message)")
        }
    }

    @Test func tooManyConditionsOrTooDeepAreRefused() throws {
        let many = JSONValue.object([
            "all": .array(
                Array(
                    repeating: .object(["field": .string("data.a"), "op": .string("eq"), "value": .number(1)]),
                    count: SegmentFilter.maximumConditions + 1))
        ])
        #expect(throws: ModelError.self) { try SegmentFilter.parse(many) }
        var deep = JSONValue.object(["field": .string("data.a"), "op": .string("exists")])
        for _ in 0...SegmentFilter.maximumDepth { deep = .object(["not": deep]) }
        #expect(throws: ModelError.self) { try SegmentFilter.parse(deep) }
    }

    @Test func valuesAndKeyPathsBecomeBindsNeverSQLText() throws {
        let filter = try SegmentFilter.parse(
            try json(
                #"{"all":[{"field":"data.plan","op":"eq","value":"x'); DROP TABLE notify.users; --"},{"field":"locale","op":"ne","value":"en"}]}"#
            ))
        let sql = SegmentSQL(filter, firstPlaceholder: 3)
        #expect(!sql.condition.contains("DROP"))
        #expect(sql.condition.contains("$3") && sql.condition.contains("$4") && sql.condition.contains("$5"))
        #expect(sql.binds == ["{plan}", #""x'); DROP TABLE notify.users; --""#, #""en""#])
    }
}

@Suite struct CampaignPacingTests {
    @Test(arguments: [1, 3, 13, 40, 100, 999, 1000, 10_000, 100_000])
    func ticksAddUpToTheRateExactly(rate: Int) {
        let pacing = CampaignPacing(rate: rate)
        let seconds = Double(pacing.interval.components.attoseconds) / 1e18 + Double(pacing.interval.components.seconds)
        #expect(abs(Double(pacing.perTick) / seconds - Double(rate)) < 0.001 * Double(rate))
        #expect(seconds <= 1.0 && seconds >= 0.0999)
        #expect(pacing.perTick >= 1 && pacing.perTick <= 10_000)
    }

    @Test func noRateMeansBackToBackTicksAndALatePacerDoesNotBurst() {
        let unlimited = CampaignPacing(rate: nil)
        #expect(unlimited.interval == .zero && unlimited.perTick == CampaignPacing.unlimitedTick)
        let pacing = CampaignPacing(rate: 100)
        let due = Date(timeIntervalSince1970: 1000)
        #expect(pacing.nextDue(after: due, now: due) == due.addingTimeInterval(0.25))
        let late = due.addingTimeInterval(10)
        #expect(pacing.nextDue(after: due, now: late) == late)
    }

    @Test func aTickReleasesOnlyWhatTheBacklogHasRoomFor() {
        let unlimited = CampaignPacing(rate: nil)
        let full = CampaignPacing.maximumBacklog
        #expect(unlimited.allowance(waiting: 0, channels: 1) == CampaignPacing.unlimitedTick)
        #expect(unlimited.allowance(waiting: full - 1_000, channels: 1) == 1_000)
        #expect(unlimited.allowance(waiting: full - 1_000, channels: 2) == 500, "two deliveries per recipient")
        #expect(unlimited.allowance(waiting: full, channels: 1) == 0)
        #expect(unlimited.allowance(waiting: full + 250, channels: 3) == 0)
        #expect(CampaignPacing(rate: 100).allowance(waiting: 0, channels: 1) == 25, "the rate still caps a tick")
        #expect(CampaignPacing(rate: 100).allowance(waiting: full - 1, channels: 4) == 1, "some room: one recipient")
    }
}
