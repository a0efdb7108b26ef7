import Foundation
import NotifyFunctionKit
import NotifyModel
import Testing

@Suite("DeliveryBatch JSON")
struct DeliveryBatchJSONTests {
    /// The encoder job payloads use: sorted keys, slashes escaped.
    private static func encoderText(_ batch: DeliveryBatch) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(batch), as: UTF8.self)
    }

    @Test("a batch writes the text the encoder writes, with and without its optional fields")
    func sameAsEncoder() throws {
        let everyASCII = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self)
        var batches: [DeliveryBatch] = []
        for tenant in ["acme", "a/b", everyASCII, "é😀\u{2028}", ""] {
            for users in [[], [1], [3, -1, Int64.max, Int64.min, 0]] as [[Int64]] {
                var batch = DeliveryBatch(tenantID: tenant, notificationID: UUID(), channel: .sms, userIDs: users)
                batches.append(batch)
                batch.newDeliveries = true
                batch.timedFallback = false
                batches.append(batch)
                batch.channel = .push
                batch.newDeliveries = false
                batch.timedFallback = true
                batches.append(batch)
            }
        }
        for batch in batches {
            #expect(batch.jsonText == (try Self.encoderText(batch)))
        }
    }

    @Test("a job payload made from a batch is its text, and decodes back to it")
    func payload() throws {
        var batch = DeliveryBatch(tenantID: "t/1", notificationID: UUID(), channel: .email, userIDs: [7, 8])
        batch.timedFallback = true
        let payload = JobPayload(encoding: batch)
        #expect(try payload.json() == (try Self.encoderText(batch)))
        let decoded = try JSONDecoder().decode(DeliveryBatch.self, from: Data(try payload.json().utf8))
        #expect(decoded == batch)
    }
}
