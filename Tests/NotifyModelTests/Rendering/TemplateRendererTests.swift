import Foundation
import NotifyModel
import Testing

@Suite struct TemplateRendererTests {
    let renderer = TemplateRenderer()

    /// Renders and returns the error, failing the test when rendering succeeds.
    func renderError(
        _ source: TemplateSource, channel: Channel, data: [String: JSONValue],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ModelError? {
        do {
            let content = try renderer.render(source, channel: channel, data: data)
            Issue.record("expected an error, rendered \(content)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Escaping

    @Test func emailHTMLEscapesVariablesAndKeepsTripleMustachesRaw() throws {
        let source = TemplateSource(
            subject: "Hi {{name}}", html: "<p>{{name}}</p>{{{signature}}}", text: "Hi {{name}}")
        let content = try renderer.render(
            source, channel: .email, data: ["name": "Tom & \"Jerry\" <3", "signature": "<b>Team</b>"])
        #expect(
            content
                == .email(
                    subject: "Hi Tom & \"Jerry\" <3",
                    html: "<p>Tom &amp; &quot;Jerry&quot; &lt;3</p><b>Team</b>",
                    text: "Hi Tom & \"Jerry\" <3"))
    }

    @Test(arguments: [
        (Channel.sms, TemplateSource(text: "{{v}}")),
        (.push, TemplateSource(title: "{{v}}", body: "{{v}}", data: ["k": "{{v}}"])),
        (.inapp, TemplateSource(title: "{{v}}", body: "{{v}}", actionURL: "https://x.test/?q={{v}}")),
        (.webhook, TemplateSource(body: #"{"v":"{{v}}"}"#)),
    ])
    func nonHTMLFieldsAreNotEscaped(_ channel: Channel, _ source: TemplateSource) throws {
        let raw = "a<b & 'c'"
        let content = try renderer.render(source, channel: channel, data: ["v": .string(raw)])
        let text = try #require(String(data: JSONEncoder().encode(content), encoding: .utf8))
        #expect(!text.contains("&amp;"))
        #expect(!text.contains("&lt;"))
        #expect(!text.contains("&#39;"))
        switch content {
        case .sms(let text, _, _): #expect(text == raw)
        case .push(let title, let body, let data):
            #expect(title == raw)
            #expect(body == raw)
            #expect(data == ["k": raw])
        case .inapp(let title, let body, let url):
            #expect(title == raw)
            #expect(body == raw)
            #expect(url == "https://x.test/?q=" + raw)
        case .webhook(let body): #expect(body == #"{"v":"a<b & 'c'"}"#)
        case .email: Issue.record("unexpected email")
        }
    }

    @Test func textKeepsALeadingNewline() throws {
        let content = try renderer.render(
            TemplateSource(text: "\nHello {{name}}\n"), channel: .sms, data: ["name": "Ann"])
        #expect(content == .sms(text: "\nHello Ann\n", segments: 1, encoding: .gsm7))
    }

    // MARK: Values

    @Test func rendersNumbersSectionsLoopsAndParentLookups() throws {
        let source = TemplateSource(
            text:
                "{{#order}}Order {{id}} for {{name}}: {{#items}}{{qty}}x {{sku}} at {{price}}; {{/items}}{{/order}}"
                + "{{^order.items}}none{{/order.items}}")
        let data: [String: JSONValue] = [
            "name": "Ann",
            "order": [
                "id": 42, "items": [["sku": "A", "qty": 3, "price": 9.5], ["sku": "B", "qty": 1, "price": 10]],
            ],
        ]
        let content = try renderer.render(source, channel: .sms, data: data)
        #expect(content == .sms(text: "Order 42 for Ann: 3x A at 9.5; 1x B at 10; ", segments: 1, encoding: .gsm7))
    }

    @Test func rendersIndexesTransformsAndJSON() throws {
        let source = TemplateSource(
            body: #"{"first":"{{items.0.sku}}","n":{{count(items)}},"who":"{{uppercased(name)}}","order":{{{order}}}}"#)
        let data: [String: JSONValue] = [
            "name": "ann", "items": [["sku": "A"], ["sku": "B"]], "order": ["id": 7, "tags": ["x"]],
        ]
        let content = try renderer.render(source, channel: .webhook, data: data)
        #expect(content == .webhook(body: #"{"first":"A","n":2,"who":"ANN","order":{"id":7,"tags":["x"]}}"#))
    }

    @Test(arguments: [
        (JSONValue.bool(false), "no"), (.bool(true), "yes"), (.array([]), "no"), (.null, "no"), (.string("x"), "yes"),
    ])
    func sectionTruthiness(_ flag: JSONValue, _ expected: String) throws {
        let source = TemplateSource(text: "{{#flag}}yes{{/flag}}{{^flag}}no{{/flag}}")
        let content = try renderer.render(source, channel: .sms, data: ["flag": flag])
        #expect(content == .sms(text: expected, segments: 1, encoding: .gsm7))
    }

    // MARK: Missing variables

    @Test(
        arguments: [
            ("Order {{order.id}}", [:], "order.id"),
            ("Order {{order.id}}", ["order": [:]], "order.id"),
            ("Order {{order.id}}", ["order": ["id": nil]], "order.id"),
            ("Hi {{name}}", ["name": nil], "name"),
            ("Hi {{name}}", ["Name": "Ann"], "name"),
            ("{{#order}}{{total}}{{/order}}", ["order": ["id": 1]], "total"),
            ("{{#items}}{{sku}}{{/items}}", ["items": [["sku": "A"], ["qty": 1]]], "sku"),
            ("{{items.2.sku}}", ["items": [["sku": "A"]]], "items.2.sku"),
            ("{{uppercased(name)}}", [:], "name"),
            ("{{^coupon}}No coupon, {{name}}{{/coupon}}", [:], "name"),
        ] as [(String, [String: JSONValue], String)])
    func aMissingVariableIsAnError(_ subject: String, _ data: [String: JSONValue], _ path: String) {
        let source = TemplateSource(subject: subject, text: "Hello")
        let message = renderError(source, channel: .email, data: data).map { "\($0.code): \($0.message)" } ?? ""
        let expected = "template field \"subject\" uses {{\(path)}}, which the notification's data does not contain"
        #expect(message.hasPrefix("missing_variable: " + expected), "\(message)")
    }

    @Test func everyMissingVariableAndFieldIsNamed() {
        let source = TemplateSource(subject: "{{a}} {{b}} {{a}}", html: "<p>{{c.d}}</p>", text: "ok {{e}}")
        let error = renderError(source, channel: .email, data: ["e": 1])
        #expect(error?.code == "missing_variable")
        #expect(
            error?.message
                == "template field \"subject\" uses {{a}}, {{b}}, which the notification's data does not contain; "
                + "template field \"html\" uses {{c.d}}, which the notification's data does not contain; "
                + "add the values to the notification's data or wrap optional parts in a {{#section}}")
    }

    @Test(
        arguments: [
            ("{{#coupon}}Use {{coupon.code}} by {{expires}}{{/coupon}}done", [:]),
            ("{{#coupon}}Use {{code}}{{/coupon}}done", ["coupon": false]),
            ("{{#coupon}}Use {{code}}{{/coupon}}done", ["coupon": nil]),
            ("{{#coupon}}Use {{code}}{{/coupon}}done", ["coupon": []]),
            ("{{^vip}}Join {{program}}{{/vip}}done", ["vip": true]),
            ("{{^items}}{{nothing}}{{/items}}done", ["items": [1]]),
        ] as [(String, [String: JSONValue])])
    func variablesInSectionsThatDoNotRenderAreNotChecked(_ text: String, _ data: [String: JSONValue]) throws {
        let content = try renderer.render(TemplateSource(text: text), channel: .sms, data: data)
        #expect(content == .sms(text: "done", segments: 1, encoding: .gsm7))
    }

    // MARK: Channels

    @Test func emailSubjectLineBreaksBecomeSpaces() throws {
        let content = try renderer.render(
            TemplateSource(subject: "Hi {{name}}", text: "x"), channel: .email, data: ["name": "A\r\nBcc: b@x.test"])
        #expect(content == .email(subject: "Hi A Bcc: b@x.test", html: nil, text: "x"))
    }

    @Test func smsCarriesSegmentsAndEncoding() throws {
        let content = try renderer.render(
            TemplateSource(text: "{{greeting}} {{name}}"), channel: .sms,
            data: ["greeting": .string(String(repeating: "a", count: 160)), "name": "🙂"])
        #expect(content == .sms(text: String(repeating: "a", count: 160) + " 🙂", segments: 3, encoding: .ucs2))
    }

    @Test func pushPayloadAtTheLimitIsAcceptedAndOneByteMoreIsNot() throws {
        // {"aps":{"alert":{"body":"…"}}} is 29 bytes around the body, and the delivery id entry the
        // FCM client adds, ,"notify_delivery_id":"9223372036854775807", 43 more.
        let source = TemplateSource(body: "{{b}}")
        let fits = try renderer.render(
            source, channel: .push, data: ["b": .string(String(repeating: "x", count: 4024))])
        #expect(fits == .push(title: nil, body: String(repeating: "x", count: 4024), data: [:]))

        let error = renderError(source, channel: .push, data: ["b": .string(String(repeating: "x", count: 4025))])
        #expect(error?.code == "push_payload_too_large")
        #expect(error?.message.contains("4097 bytes") == true)
    }

    @Test func pushPayloadSizeCountsUTF8BytesAndData() {
        // Each é is 2 bytes; data adds ,"k":"…".
        let source = TemplateSource(title: "{{t}}", data: ["k": "{{v}}"])
        let error = renderError(
            source, channel: .push,
            data: ["t": .string(String(repeating: "é", count: 2000)), "v": .string(String(repeating: "v", count: 100))])
        #expect(error?.code == "push_payload_too_large")
        #expect(error?.message.contains("\(37 + 4000 + 100 + 43) bytes") == true)
    }

    @Test func inappAndWebhookRender() throws {
        let inapp = try renderer.render(
            TemplateSource(title: "Shipped", actionURL: "https://shop.test/orders/{{id}}"), channel: .inapp,
            data: ["id": 42])
        #expect(inapp == .inapp(title: "Shipped", body: nil, actionURL: "https://shop.test/orders/42"))
    }

    @Test func renderValidatesTheTemplateFirst() {
        let error = renderError(TemplateSource(text: "hi"), channel: .email, data: [:])
        #expect(error?.code == "invalid_template")
    }
}
