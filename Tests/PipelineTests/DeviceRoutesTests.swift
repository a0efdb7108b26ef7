import Foundation
import NotifyTestSupport
import Testing

/// `DELETE /v1/users/{user}/devices/{device}` removes a device of the user in the path only.
@Suite("device removal", .timeLimit(.minutes(2)))
struct DeviceRoutesTests {
    @Test("removing ada's device under bob's path is a 404 and keeps it; under ada's path it goes")
    func removalMatchesTheUser() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant("acme")
            try expect(try await engine.put("/v1/users/bob", acme, ["locale": "en"]), [201])
            let registered = try expect(
                try await engine.post("/v1/users/ada/devices", acme, ["platform": "fcm", "token": "ada-device-token"]),
                [201])
            let device = try #require(registered.json["id"] as? Int)
            func remaining() async throws -> Int {
                try await engine.runtime.count("SELECT count(*) FROM notify.devices WHERE id = \(device)")
            }

            let wrongUser = try await engine.delete("/v1/users/bob/devices/\(device)", acme)
            #expect(wrongUser.status == 404)
            #expect(wrongUser.json["code"] as? String == "device_not_found")
            #expect(try await remaining() == 1)
            #expect(try await engine.delete("/v1/users/nosuch/devices/\(device)", acme).status == 404)
            #expect(try await remaining() == 1)

            #expect(try await engine.delete("/v1/users/ada/devices/\(device)", acme).status == 204)
            #expect(try await remaining() == 0)
            #expect(try await engine.delete("/v1/users/ada/devices/\(device)", acme).status == 404)
        }
    }
}
