import Foundation
import NotifyProviders
import NotifySMTP
import Testing

@Suite("SMTP failure classification")
struct ClassificationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var reply: String?
        var stage: SMTPClientError.Stage
        var code: SMTPClientError.Code = .rejected
        var finalDotSent = false
        var kind: ProviderFailure.Kind
        var action: ProviderFailure.RecipientAction = .none
        var testDescription: String { "\(reply ?? code.rawValue) at \(stage.rawValue) → \(kind.rawValue)" }
    }

    static let cases: [Case] = [
        Case(reply: "451 4.3.0 try later", stage: .rcptTo, kind: .transient),
        Case(reply: "450 4.2.0 greylisted", stage: .mailFrom, kind: .transient),
        Case(reply: "421 4.7.0 closing", stage: .greeting, kind: .transient),
        Case(reply: "452 4.5.3 too many recipients", stage: .rcptTo, kind: .transient),
        Case(reply: "550 5.1.1 user unknown", stage: .rcptTo, kind: .permanent, action: .suppressAddress),
        Case(reply: "553 5.1.3 bad address", stage: .rcptTo, kind: .permanent, action: .suppressAddress),
        Case(reply: "550 5.7.1 relaying denied", stage: .rcptTo, kind: .configuration),
        Case(reply: "535 5.7.8 bad credentials", stage: .auth, kind: .configuration),
        Case(reply: "530 5.7.0 authentication required", stage: .mailFrom, kind: .configuration),
        Case(reply: "550 5.1.0 sender not verified", stage: .mailFrom, kind: .configuration),
        Case(reply: "554 5.7.26 DMARC", stage: .endOfData, kind: .configuration),
        Case(reply: "552 5.3.4 too big", stage: .endOfData, kind: .permanent),
        Case(reply: "552 5.3.4 too big", stage: .mailFrom, kind: .permanent),
        Case(reply: nil, stage: .mailFrom, code: .messageTooLarge, kind: .permanent),
        Case(reply: "554 5.6.0 content rejected", stage: .endOfData, kind: .permanent),
        Case(reply: "554 no service", stage: .greeting, kind: .configuration),
        Case(reply: nil, stage: .connect, code: .connectFailed, kind: .transient),
        Case(reply: nil, stage: .startTLS, code: .tlsFailed, kind: .transient),
        Case(reply: nil, stage: .startTLS, code: .startTLSUnavailable, kind: .configuration),
        Case(reply: nil, stage: .auth, code: .authUnavailable, kind: .configuration),
        Case(reply: nil, stage: .data, code: .timeout, kind: .transient),
        Case(reply: nil, stage: .endOfData, code: .connectionClosed, finalDotSent: false, kind: .transient),
        Case(reply: nil, stage: .endOfData, code: .timeout, finalDotSent: true, kind: .unknownOutcome),
        Case(reply: nil, stage: .endOfData, code: .connectionClosed, finalDotSent: true, kind: .unknownOutcome),
        Case(reply: nil, stage: .pool, code: .poolTimeout, kind: .transient),
    ]

    @Test("replies and transport errors map to the reference §6 classes", arguments: cases)
    func classify(_ testCase: Case) {
        let error = SMTPClientError(
            code: testCase.code, stage: testCase.stage, reply: testCase.reply.map(SMTPReply.init(parsing:)),
            finalDotSent: testCase.finalDotSent, message: "test")
        let failure = ProviderFailure(smtp: error)
        #expect(failure.kind == testCase.kind)
        #expect(failure.recipientAction == testCase.action)
        if let reply = testCase.reply { #expect(failure.code == "smtp_\(reply.prefix(3))") }
    }

    @Test("the configuration decodes from JSON with defaults and keeps the password out of descriptions")
    func configurationJSON() throws {
        let json = #"{"host":"smtp.example","tls":"implicit","username":"app","password":"pw-secret"}"#
        let configuration = try JSONDecoder().decode(SMTPConfiguration.self, from: Data(json.utf8))
        #expect(configuration.port == 465)
        #expect(configuration.maxConnections == 4)
        #expect(configuration.ehloName == "localhost")
        #expect(!"\(configuration)".contains("pw-secret"))
        let roundTrip = try JSONDecoder().decode(SMTPConfiguration.self, from: JSONEncoder().encode(configuration))
        #expect(roundTrip == configuration)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(SMTPConfiguration.self, from: Data(#"{"host":"h","tls":"ssl"}"#.utf8))
        }
    }
}
