import Foundation
import NotifyModel
import Testing

@Suite struct TemplateSourceTests {
    func validationMessage(_ source: TemplateSource, _ channel: Channel) -> String? {
        do {
            try source.validate(for: channel)
            return nil
        } catch {
            #expect(error.code == "invalid_template")
            return error.message
        }
    }

    @Test(arguments: [
        (Channel.email, TemplateSource(subject: "s", html: "<p>h</p>")),
        (.email, TemplateSource(subject: "s", text: "t")),
        (.email, TemplateSource(subject: "s", html: "h", text: "t")),
        (.sms, TemplateSource(text: "t")),
        (.push, TemplateSource(title: "t")),
        (.push, TemplateSource(body: "b", data: ["deep_link": "app://x/{{id}}"])),
        (.inapp, TemplateSource(body: "b", actionURL: "https://x.test")),
        (.webhook, TemplateSource(body: "{}")),
    ])
    func acceptsWhatTheChannelNeeds(_ channel: Channel, _ source: TemplateSource) throws {
        try source.validate(for: channel)
    }

    @Test(arguments: [
        (Channel.email, TemplateSource(html: "h"), "email templates need a \"subject\""),
        (.email, TemplateSource(subject: "s"), "email templates need \"html\" or \"text\" (or both)"),
        (.email, TemplateSource(subject: "  ", text: "t"), "email templates need a \"subject\""),
        (.sms, TemplateSource(), "sms templates need a \"text\""),
        (.push, TemplateSource(data: ["k": "v"]), "push templates need a \"title\" or a \"body\" (or both)"),
        (.inapp, TemplateSource(actionURL: "https://x.test"), "inapp templates need a \"title\" or a \"body\""),
        (.webhook, TemplateSource(), "webhook templates need a \"body\""),
    ])
    func namesTheMissingField(_ channel: Channel, _ source: TemplateSource, _ expected: String) {
        let message = validationMessage(source, channel)
        #expect(message?.contains(expected) == true, "\(message ?? "valid")")
    }

    @Test func rejectsFieldsTheChannelDoesNotUse() {
        let message = validationMessage(TemplateSource(text: "t", body: "b"), .sms)
        #expect(message == "field \"body\" is not used by sms templates; remove it (sms uses \"text\")")
    }

    @Test func rejectsTheReservedPushKey() {
        let message = validationMessage(TemplateSource(title: "t", data: ["aps": "x"]), .push)
        #expect(message?.contains("cannot use the key \"aps\"") == true)
    }

    @Test func rejectsTheKeysFCMReserves() {
        let message = validationMessage(
            TemplateSource(title: "t", data: ["from": "x", "google.c.a": "y", "order": "{{id}}"]), .push)
        #expect(
            message?.contains(#"cannot use the keys "from", "google.c.a"; FCM reserves"#) == true,
            "\(message ?? "valid")")
        #expect(validationMessage(TemplateSource(title: "t", data: ["gcm": "x"]), .push)?.contains(#""gcm""#) == true)
        #expect(validationMessage(TemplateSource(title: "t", data: ["sender": "x", "fromage": "y"]), .push) == nil)
    }

    @Test(arguments: [
        ("Hi {{#order}}x", "a section is opened but never closed"),
        ("Hi {{name", "the template ends inside a tag; close every {{ with }}"),
        ("Hi {{na me}}", "a tag is not closed or its name is malformed"),
        ("{{#a}}x{{/b}}", "a section is closed with a name that does not match"),
        ("{{% NOPE: X}}", "a {{% ...}} pragma tag names an unknown setting"),
    ])
    func reportsMustacheSyntaxErrorsWithTheFieldName(_ html: String, _ reason: String) {
        let message = validationMessage(TemplateSource(subject: "ok", html: html), .email)
        #expect(
            message?.hasPrefix("template field \"html\" is not valid mustache: \(reason)") == true, "\(message ?? "")")
        #expect(message?.contains("(line 1, column") == true)
    }

    @Test func reportsTheLineOfASyntaxErrorAsWritten() {
        let message = validationMessage(TemplateSource(text: "line one\nline two {{#x}}"), .sms)
        #expect(message?.contains("line 2") == true, "\(message ?? "")")
    }

    @Test func listsEveryProblem() {
        let message = validationMessage(TemplateSource(html: "{{#x}}", title: "t"), .email)
        #expect(message?.contains("field \"title\" is not used by email templates") == true)
        #expect(message?.contains("email templates need a \"subject\"") == true)
        #expect(message?.contains("template field \"html\" is not valid mustache") == true)
    }

    @Test func codesActionURLInSnakeCase() throws {
        let source = TemplateSource(title: "t", actionURL: "https://x.test")
        let json = String(decoding: try JSONEncoder().encode(source), as: UTF8.self)
        #expect(json.contains("\"action_url\""))
        let decoded = try JSONDecoder().decode(
            TemplateSource.self, from: Data(#"{"body":"b","action_url":"https://y.test"}"#.utf8))
        #expect(decoded == TemplateSource(body: "b", actionURL: "https://y.test"))
    }
}
