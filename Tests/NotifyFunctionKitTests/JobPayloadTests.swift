import Foundation
import Testing

@testable import NotifyFunctionKit

/// A payload made from a value keeps the value for a worker that runs the job in this process, and
/// encodes it, once, exactly as an eagerly encoded payload would be.
@Suite("Job payloads")
struct JobPayloadTests {
    struct Reading: Codable, Sendable, Equatable {
        var key: String
        var at: Date
        var value: Double
    }

    static let reading = Reading(key: "k", at: Date(timeIntervalSince1970: 1.5), value: 2)

    @Test("a typed payload encodes to the same JSON as an eager encoding, with sorted keys and ISO 8601 dates")
    func typedPayloadEncodesLikeEagerOne() throws {
        let payload = JobPayload(encoding: Self.reading)
        #expect(try payload.json() == #"{"at":"1970-01-01T00:00:01Z","key":"k","value":2}"#)
        #expect(try payload.json() == payload.json(), "encoded once, the same text every time")
        #expect(payload == JobPayload(json: #"{"at":"1970-01-01T00:00:01Z","key":"k","value":2}"#))
        #expect(payload.hashValue == JobPayload(json: try payload.json()).hashValue)
    }

    @Test("the value is handed over only to its own type, and a JSON payload has none")
    func valueIsHandedOverToItsOwnType() throws {
        let payload = JobPayload(encoding: Self.reading)
        #expect(payload.value(as: Reading.self) == Self.reading)
        #expect(payload.value(as: Reading.self)?.at.timeIntervalSince1970 == 1.5, "no JSON round trip")
        #expect(payload.value(as: String.self) == nil)
        #expect(JobPayload(json: try payload.json()).value(as: Reading.self) == nil)
    }

    @Test("a value JSON cannot hold fails when its JSON is asked for, with the encoder's error")
    func unencodableValueFailsOnJSON() {
        var bad = Self.reading
        bad.value = .nan
        let payload = JobPayload(encoding: bad)
        #expect(throws: EncodingError.self) { try payload.json() }
        #expect(throws: EncodingError.self) { try payload.json() }
        #expect(payload.value(as: Reading.self)?.key == "k")
        #expect(payload != JobPayload(encoding: bad), "two unencodable payloads are equal only if they are one")
        #expect(payload == payload)
        #expect(payload.description.hasPrefix("<payload that cannot be encoded as JSON"))
    }

    @Test("a request made from a typed input carries the value; one made from text carries none")
    func requestsCarryTheirInput() throws {
        let typed = try JobRequest(function: "read", input: Self.reading, lane: .critical)
        #expect(typed.body.value(as: Reading.self) == Self.reading)
        #expect(try typed.payload == JobPayload(encoding: Self.reading).json())
        let text = JobRequest(function: "read", payload: "{}")
        #expect(try text.payload == "{}")
        #expect(text.body.value(as: Reading.self) == nil)
    }
}
