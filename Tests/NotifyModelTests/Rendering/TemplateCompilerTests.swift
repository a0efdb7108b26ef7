import Testing

@testable import NotifyModel

@Suite struct TemplateCompilerTests {
    @Test func theCacheIsBounded() throws {
        let compiler = TemplateCompiler(capacity: 2)
        for index in 0..<5 {
            _ = try compiler.compile("t\(index) {{x}}", field: "text", escaping: .text)
            #expect(compiler.cachedCount <= 2)
        }
    }

    @Test func htmlAndTextCompilationsAreCachedSeparately() throws {
        let compiler = TemplateCompiler(capacity: 8)
        let html = try compiler.compile("{{v}}", field: "html", escaping: .html)
        let text = try compiler.compile("{{v}}", field: "text", escaping: .text)
        #expect(compiler.cachedCount == 2)
        let data: [String: JSONValue] = ["v": "<&>"]
        #expect(
            compiler.render(html, escaping: .html, data: data, recorder: MissingVariableRecorder()) == "&lt;&amp;&gt;")
        #expect(compiler.render(text, escaping: .text, data: data, recorder: MissingVariableRecorder()) == "<&>")
    }

    @Test func rendersConcurrently() async throws {
        let source = TemplateSource(text: "Hi {{name}}, order {{order.id}}")
        try await withThrowingTaskGroup(of: RenderedContent.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try TemplateRenderer().render(
                        source, channel: .sms,
                        data: ["name": .string("n\(index % 7)"), "order": ["id": .number(Double(index))]])
                }
            }
            var count = 0
            for try await content in group {
                guard case .sms(let text, _, _) = content else {
                    Issue.record("not an sms")
                    continue
                }
                #expect(text.hasPrefix("Hi n"))
                count += 1
            }
            #expect(count == 200)
        }
    }

    @Test func loopElementsFallBackToOuterValues() throws {
        let content = try TemplateRenderer().render(
            TemplateSource(text: "{{#items}}{{sku}}/{{currency}} {{/items}}"), channel: .sms,
            data: ["currency": "EUR", "items": [["sku": "A"], ["sku": "B", "currency": "USD"]]])
        #expect(content == .sms(text: "A/EUR B/USD ", segments: 1, encoding: .gsm7))
    }
}
